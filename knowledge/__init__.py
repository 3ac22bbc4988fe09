"""Work-report knowledge: reading, structure, figures, stores, retrieval and answers."""

import os

# One BLAS thread: our only BLAS work is a small matrix-vector product per question, and OpenBLAS
# threads left spinning after it slowed the next query embedding (OpenMP) threefold on two cores
# (measured: median answer 45 → 21 ms). Must be set before numpy is first imported.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
# The embedder's OpenMP workers busy-wait after each question (300,000 spins by default) on the core
# the next question's Python needs; a short spin keeps embedding as fast alone and, with 20 questions
# at once in the bot, lowered p95 in each of three paired runs (491→439, 418→414, 434→414 ms).
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
