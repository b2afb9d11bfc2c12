"""Entity resolution: which records are the same person or place, and which RHI mentions name them.

:func:`resolve_dataset` runs every step on a dataset: persons (:mod:`.persons`), places
(:mod:`.places`), RHI mentions (:mod:`.mentions`), with the analyst's decisions
(:mod:`.decisions`) applied in one shared clustering (:mod:`.cluster`).
"""

from contextmap.resolve.dataset import (
    Resolution,
    dataset_entity_ids,
    resolve_dataset,
    write_entities,
)
from contextmap.resolve.decisions import (
    Decision,
    Decisions,
    DecisionsError,
    parse_decisions,
    read_decisions,
)
from contextmap.resolve.example import example_dataset
from contextmap.resolve.mentions import MENTION_COLUMNS, link_mentions, provisional_id
from contextmap.resolve.persons import PersonResolution, resolve_persons
from contextmap.resolve.places import LocationResolution, resolve_locations

__all__ = [
    "Resolution", "resolve_dataset", "resolve_persons", "resolve_locations", "link_mentions",
    "write_entities", "read_decisions", "parse_decisions", "Decision", "Decisions",
    "DecisionsError", "PersonResolution", "LocationResolution", "MENTION_COLUMNS",
    "example_dataset", "dataset_entity_ids", "provisional_id",
]
