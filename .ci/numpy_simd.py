"""numpy's run-time SIMD dispatch, for .ci/run.

    python .ci/numpy_simd.py list    # the dispatch targets this CPU has (to disable them all)
    python .ci/numpy_simd.py check   # exit 1 unless every dispatch target is off

With every target this CPU has listed in NPY_DISABLE_CPU_FEATURES, numpy runs its baseline
loops only: what a CPU without AVX2/AVX-512 does. Works with numpy 1.26 and 2.x (their
target names differ: AVX2, AVX512F... vs X86_V3, X86_V4...).
"""

import sys

import numpy

try:
    from numpy._core import _multiarray_umath as umath
except ImportError:  # numpy < 2
    from numpy.core import _multiarray_umath as umath

on = [f for f in umath.__cpu_dispatch__ if umath.__cpu_features__.get(f)]
if sys.argv[1:] == ["list"]:
    print(" ".join(on))
elif sys.argv[1:] == ["check"]:
    if on:
        sys.exit(f"numpy {numpy.__version__}: SIMD dispatch still on: {' '.join(on)}")
    print(
        f"numpy {numpy.__version__}: SIMD dispatch off (baseline only: "
        f"{' '.join(umath.__cpu_baseline__)})"
    )
else:
    sys.exit(__doc__)
