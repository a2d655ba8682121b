"""One Classifier shared by Python threads; the GIL is released; Ctrl-C is honoured."""

from __future__ import annotations

import _thread
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import framelens
from conftest import SAMPLES

SHORT = [p.read_text(encoding="utf-8") for p in SAMPLES if p.stat().st_size < 20_000]


def test_shared_classifier_from_several_threads(classifier):
    expected = [classifier.classify(t).to_json() for t in SHORT]
    jobs = [(i % len(SHORT)) for i in range(16)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(pool.map(lambda i: (i, classifier.classify(SHORT[i]).to_json()), jobs))
        batches = list(pool.map(lambda _: [a.to_json() for a in classifier.classify_batch(SHORT)], range(4)))
    for i, js in got:
        assert js == expected[i]
    for b in batches:
        assert b == expected


def test_the_gil_is_released_while_classifying(classifier):
    done = threading.Event()
    texts = SHORT * 3

    def work():
        classifier.classify_batch(texts)
        done.set()

    t = threading.Thread(target=work)
    spins = 0
    t.start()
    while not done.is_set():
        spins += 1  # runs only while the other thread does not hold the GIL
    t.join()
    assert spins > 1000


def test_keyboard_interrupt_stops_a_long_batch(classifier):
    texts = SHORT * 50
    timer = threading.Timer(0.3, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            classifier.classify_batch(texts, chunk_size=2)
    finally:
        timer.cancel()
    # The classifier still works afterwards.
    assert isinstance(classifier.classify(SHORT[0]), framelens.Analysis)
