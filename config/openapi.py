"""The OpenAPI description of the API that drf-spectacular builds, read by config.settings
(SPECTACULAR_SETTINGS): its title and description, the enums' component names, the sidecar's
Swagger UI and ReDoc."""

SPECTACULAR_SETTINGS = {
    "TITLE": "Agri-food market-access registry API",
    "DESCRIPTION": (
        "Which agri-food products from the five Central Asian countries may enter China, under "
        "which conditions, through which ports, under which foreign regulations. Reads are "
        "public and rate-limited; an API key (header `X-API-Key`) raises the limit and is "
        "required for `eligibility/bulk/` and `changes/`. Every error is RFC 9457 "
        "problem+json."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.base.schema_precision",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AccessStatusEnum": "accessions.models.AccessStatus",
        "RegistrationStatusEnum": "accessions.models.RegistrationStatus",
        "RegulationStatusEnum": "regulations.models.RegulationStatus",
        "VerdictEnum": "accessions.eligibility.answer.Verdict",
        "ReasonCodeEnum": "accessions.eligibility.answer.REASON_CODES",
        "ConditionCodeEnum": "accessions.eligibility.answer.CONDITION_CODES",
        "DatePrecisionEnum": "registry.provenance.DatePrecision",
        "AliasKindEnum": "registry.models.AliasKind",
        # The language of an answer's words and of its citations (`language`, `source_language`).
        "LanguageEnum": "registry.models.AliasLanguage",
        "SiteKindEnum": "registry.models.SiteKind",
        "RegulationKindEnum": "regulations.models.RegulationKind",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}
