"""The HTML pages (the API has its own URL module, api.urls; sign-in and sign-up pages are
django-allauth's, included by config.urls under accounts/)."""

from django.urls import path
from django.views.generic import RedirectView

from web import account, answers, hs, proposals, saved
from web.views import access, catalogue, checker, dashboard, home, library, timeline

urlpatterns = [
    path("", home.home, name="home"),
    path("about/", home.about, name="about"),
    path("search/", catalogue.search, name="search"),
    path("check/", checker.check, name="check"),
    # The HS tree: chapters, headings, their products and kinds, their access entries.
    path("hs/", hs.hs_tree_page, name="hs-tree"),
    path("hs/<str:code>/", hs.hs_node_page, name="hs-node"),
    # Citable answers: saved from the checker (POST), each shown as given beside today's answer.
    path("answers/", answers.answer_save, name="answer-save"),
    path("answers/<slug:public_id>/", answers.answer_detail, name="answer-detail"),
    path("countries/<str:iso2>/", catalogue.country_detail, name="country-detail"),
    path("products/<slug:slug>/", catalogue.product_detail, name="product-detail"),
    path("access/<int:pk>/", access.access_detail, name="access-detail"),
    path("regulations/", library.regulation_list, name="regulation-list"),
    path("regulations/<int:pk>/", library.regulation_detail, name="regulation-detail"),
    path("ports/", catalogue.port_list, name="port-list"),
    path("ports/<slug:code>/", catalogue.port_detail, name="port-detail"),
    path("accessions/", timeline.accession_list, name="accession-list"),
    path("accessions/pipeline/", timeline.accession_pipeline, name="accession-pipeline"),
    path("changes/between/", timeline.changes_between, name="changes-between"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/sweep/", dashboard.sweep_run, name="sweep-run"),
    path("alerts/<int:pk>/acknowledge/", dashboard.alert_acknowledge, name="alert-acknowledge"),
    # The maker-checker workflow (inspectors propose, senior inspectors publish).
    path("proposals/", proposals.proposal_queue, name="proposal-queue"),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/decide/", proposals.proposal_decide, name="proposal-decide"),
    path("proposals/import/", proposals.import_page, name="import-list"),
    path(
        "proposals/import/template/<str:kind>.<str:fmt>",
        proposals.import_template,
        name="import-template",
    ),
    path("proposals/import/runs/<int:pk>/", proposals.import_run, name="import-run"),
    path("accessions/<int:pk>/stages/propose/", proposals.stage_propose, name="stage-propose"),
    path("proposals/imports/<int:pk>/", proposals.batch_detail, name="batch-detail"),
    path("proposals/imports/<int:pk>/decide/", proposals.batch_decide, name="batch-decide"),
    # A signed-in user's own pages.
    path("accounts/", account.account_home, name="account-home"),
    path("accounts/profile/", RedirectView.as_view(pattern_name="account-home")),
    path("accounts/language/", account.account_language, name="account-language"),
    path("accounts/watchlist/", account.watch_add, name="watch-add"),
    path("accounts/watchlist/<int:pk>/remove/", account.watch_remove, name="watch-remove"),
    path("accounts/saved-questions/", saved.saved_question_add, name="saved-question-add"),
    path(
        "accounts/saved-questions/<int:pk>/delete/",
        saved.saved_question_delete,
        name="saved-question-delete",
    ),
    path("accounts/subscriptions/", account.subscriptions, name="subscriptions"),
    path(
        "accounts/subscriptions/<int:pk>/pause/",
        account.subscription_pause,
        name="subscription-pause",
    ),
    path(
        "accounts/subscriptions/<int:pk>/delete/",
        account.subscription_delete,
        name="subscription-delete",
    ),
    path(
        "accounts/subscriptions/<int:pk>/test/", account.subscription_test, name="subscription-test"
    ),
    path("accounts/deliveries/<int:pk>/retry/", account.delivery_retry, name="delivery-retry"),
    path("accounts/keys/", account.api_keys_page, name="api-keys"),
    path("accounts/keys/<int:pk>/revoke/", account.api_key_revoke, name="api-key-revoke"),
    path("subscriptions/", RedirectView.as_view(pattern_name="subscriptions", permanent=True)),
]
