"""quality: duplicate rows and keys, constant columns, mixed value types, impossible values,
coordinates' signs.

All counts are exact. Row and value hashes are process-stable (a vectorised 64-bit word-sum
hash for strings and binaries, the splitmix64 finaliser for fixed-width values, blake2b for
nested ones — never Python's ``hash``), and
every duplicate suggested by a 64-bit hash is verified on the actual values in a second
pass, so a hash collision can never produce a false duplicate. Example row positions are
dataset-wide, ascending. Findings come in plan column order (schema order), a screen
summary last (when the analysis has one).

One module per analysis, named by its id (``<id>.py``); what more than one of them uses
is in ``_common.py``. The ``quality`` entry point registers the five analyses above and
``missing_by_group`` (where values go missing) and ``flag_consistency`` (0/1 flags that
are a cut of a measure, and the rows contradicting it) and ``broken_identities`` (sums
and differences of measures kept by nearly every row, and the rows breaking them) and
``label_variants`` (one label written several ways, placeholders written as labels) and
``coordinate_signs`` (latitudes and longitudes with a lost or flipped sign, or written as
0);
``missingness`` and ``declared_bounds`` (same family, same folder) keep entry points of
their own (``missingness``, ``bounds``), so ``--stat-providers`` names from 0.3 still
select them; so does ``capped_values`` (``capped``: values piled up at a measure's
maximum or minimum).
"""

from pytest_statharness import hookimpl

from .broken_identities import BrokenIdentities
from .constant_columns import ConstantColumns
from .coordinate_signs import CoordinateSigns
from .duplicate_keys import DuplicateKeys
from .duplicate_rows import DuplicateRows
from .flag_consistency import FlagConsistency
from .impossible_values import ImpossibleValues
from .label_variants import LabelVariants
from .missing_by_group import MissingByGroup
from .mixed_types import MixedTypes


@hookimpl
def statharness_analyses():
    return [
        DuplicateRows(),
        DuplicateKeys(),
        ConstantColumns(),
        MixedTypes(),
        ImpossibleValues(),
        MissingByGroup(),
        FlagConsistency(),
        BrokenIdentities(),
        LabelVariants(),
        CoordinateSigns(),
    ]
