"""gunicorn's settings, read from the working directory by `gunicorn config.wsgi` (Procfile).

The request line limit is gunicorn's largest (the size of nginx's default header buffer): a longer
line is answered by gunicorn itself with a plain HTML 414 before the registry sees the request, so
it is not the API's problem+json (README, "Security and reliability"). The registry's own limits
(query parameters, page sizes, bodies) answer problem+json.
"""

limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
