"""Privacy: audiences, keyed pseudonyms, redaction, small counts, the output scan, the audit log.

A pack is never redacted after it is drawn. Instead :func:`redact_dataset` returns a new
:class:`~contextmap.dataset.Dataset` holding only what the audience may see, and every
analysis, map, network view, export and pack is computed from that dataset. Whatever is not in
the redacted dataset cannot leak. :func:`check_outputs` is the second line of defence: it scans
every written file for identifiers the audience must not see and stops the pack on a hit.
Every disclosure is logged (:mod:`contextmap.privacy.audit`).

Modules: :mod:`~contextmap.privacy.audiences`, :mod:`~contextmap.privacy.pseudonyms`,
:mod:`~contextmap.privacy.redact`, :mod:`~contextmap.privacy.counts`,
:mod:`~contextmap.privacy.forbidden`, :mod:`~contextmap.privacy.scan`,
:mod:`~contextmap.privacy.audit`.

Audiences (defaults, overridable in the ``audiences:`` section of the settings file):

==============  =====  ===  ===========  ========  ======  ==========  ==============
audience        names  ids  C-coded      E-graded  DOB     free text   small counts
==============  =====  ===  ===========  ========  ======  ==========  ==============
``internal``    yes    yes  yes          yes       exact   yes         shown
``police``      yes    yes  yes          yes       exact   yes         shown
``social-care`` yes    yes  withheld     yes       exact   yes         shown
``partner``     no     no   withheld     withheld  age     withheld    ``<5``
==============  =====  ===  ===========  ========  ======  ==========  ==============

Partner packs show stable pseudonyms (``Child-4F7K2Q``, ``Person-...``, ``Place-...``) from a
keyed hash whose key lives in the user's configuration directory, never in the repository
or the pack. See ``docs/privacy.md`` for every decision (home addresses, ungraded police
intelligence, what the scan can and cannot see).

Examples
--------
>>> get_audience("partner").show_names
False
>>> p = Pseudonymiser(b"an example key, never use this one")
>>> p.pseudonym("C1", kind="child")[:6]
'Child-'
>>> p.pseudonym("C1", kind="child") == p.pseudonym("C1", kind="child")
True
"""

from contextmap.privacy.audiences import AUDIENCES, Audience, audience_names, get_audience
from contextmap.privacy.counts import suppress_count, suppress_counts
from contextmap.privacy.forbidden import (
    Forbidden,
    check_disguised_names,
    disguised_names,
    forbidden_identifiers,
    forbidden_with_resolved,
    scan_set,
)
from contextmap.privacy.pseudonyms import Pseudonymiser, default_key_path
from contextmap.privacy.redact import (
    PRIVATE_CATEGORIES,
    RedactedResolution,
    check_redacted_for,
    redact_dataset,
    restricted_links,
)
from contextmap.privacy.scan import Hit, check_outputs, scan_outputs

__all__ = [
    "Audience", "AUDIENCES", "PRIVATE_CATEGORIES", "restricted_links", "get_audience",
    "audience_names", "Pseudonymiser", "default_key_path", "redact_dataset",
    "RedactedResolution", "suppress_count", "suppress_counts", "Forbidden",
    "forbidden_identifiers", "forbidden_with_resolved", "scan_set", "Hit", "scan_outputs", "check_outputs", "check_redacted_for",
    "disguised_names", "check_disguised_names",
]
