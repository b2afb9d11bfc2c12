"""A wholly fictional sample dataset with planted structure and its ground truth; and the same
world as two agencies' monthly exports (:mod:`contextmap.sample.agencies`)."""

from contextmap.sample.agencies import AgencyExports, generate_agencies, write_agencies
from contextmap.sample.generate import (
    DEFAULT_END,
    DEFAULT_NOISE,
    EPISODES_PER_CHILD,
    TRUTH_FILES,
    SampleData,
    generate_sample,
    write_sample,
)

__all__ = [
    "SampleData", "generate_sample", "write_sample", "DEFAULT_END", "DEFAULT_NOISE",
    "EPISODES_PER_CHILD", "TRUTH_FILES", "AgencyExports", "generate_agencies", "write_agencies",
]
