"""The language lesson's targets, measured on its default settings (context 6, embeddings
of 16, two hidden layers of 256, batch 256, Adam, float32): the live network trains as
Play trains it (one BLAS thread, frames scored every 0.2 s) for `--seconds`, then prints
when its validation loss went below the bigram's (target: within 10 s), its loss on every
validation name against the best n-gram (target: 0.05 nats per character better within
180 s), its steps, the CPU time it got (the share of a core, on a shared machine), and
the shares of its sampled names that are new and that pass the pronounceability test.

    python benchmarks/bench_language.py [--seconds 180]
"""

from __future__ import annotations

import argparse
import time

from dllab.lessons.language_model import NameMakerModel

BIGRAM_TARGET = 10.0  # seconds
GAP_TARGET = 0.05  # nats per character below the best n-gram


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=180.0, help="training time")
    args = parser.parse_args()
    model = NameMakerModel(max_seconds=args.seconds)
    try:
        assert model.wait_counted(600) and model.count_status == "counted", model.message
        best, bigram, spelling = model.best_ngram, model.bigram_loss, model.spelling
        start, cpu = time.monotonic(), time.process_time()
        model.play()
        model.wait()
        wall, cpu = time.monotonic() - start, time.process_time() - cpu
    finally:
        model.close()
    assert model.status == "done", model.message
    gap = best.validation_loss - model.final_loss
    passed = model.bigram_seconds
    print(f"trained {model.trained_seconds:.0f} s: {model.steps[-1]:,} steps of 256 names' pairs")
    print(f"CPU time of the process: {cpu:.0f} s in {wall:.0f} s (counting, training, frames)")
    print(
        f"below the bigram ({bigram:.3f}) after "
        + (f"{passed:.1f} s" if passed is not None else "never")
        + f"  (target: within {BIGRAM_TARGET:.0f} s)"
    )
    print(
        f"validation loss {model.final_loss:.3f} nats/char; best n-gram ({best.order}-gram) "
        f"{best.validation_loss:.3f}: {gap:+.3f} better  (target: >= {GAP_TARGET})"
    )
    shares = model.shares
    print(
        f"of {shares.n} sampled names: {shares.new:.1%} new, {shares.pronounceable:.1%} "
        f"pronounceable (validation names {spelling.real:.1%}, random strings "
        f"{spelling.random:.1%})"
    )


if __name__ == "__main__":
    main()
