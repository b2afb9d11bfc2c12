"""Privacy: audiences, keyed pseudonyms, redaction, small counts, the output scan, the audit log.

Everything a pack shows is computed from the dataset redacted for its audience
(:func:`redact_dataset`); every written file is scanned for the identifiers that audience must
not see (:func:`check_outputs`); every disclosure is logged (:mod:`contextmap.privacy.audit`).
"""

from contextmap.privacy.core import (
    AUDIENCES,
    PRIVATE_CATEGORIES,
    Audience,
    Forbidden,
    Hit,
    Pseudonymiser,
    RedactedResolution,
    audience_names,
    check_outputs,
    check_redacted_for,
    default_key_path,
    forbidden_identifiers,
    get_audience,
    redact_dataset,
    restricted_links,
    scan_outputs,
    suppress_count,
    suppress_counts,
)

__all__ = [
    "Audience", "AUDIENCES", "PRIVATE_CATEGORIES", "restricted_links", "get_audience",
    "audience_names", "Pseudonymiser", "default_key_path", "redact_dataset",
    "RedactedResolution", "suppress_count", "suppress_counts", "Forbidden",
    "forbidden_identifiers", "Hit", "scan_outputs", "check_outputs", "check_redacted_for",
]
