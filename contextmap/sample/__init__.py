"""A wholly fictional sample dataset with planted structure and its ground truth."""

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
    "EPISODES_PER_CHILD", "TRUTH_FILES",
]
