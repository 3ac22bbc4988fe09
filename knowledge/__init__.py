"""Work-report knowledge: reading, structure, figures, stores, retrieval and answers."""

import os

# One BLAS thread: our only BLAS work is a small matrix-vector product per question, and OpenBLAS
# threads left spinning after it slowed the next query embedding (OpenMP) threefold on two cores
# (measured: median answer 45 → 21 ms). Must be set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
