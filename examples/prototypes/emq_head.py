"""Multiclass EM prior adjustment (EMQ/SLD, Saerens et al. 2002) of a head's
probabilities for a one-label taxonomy, by the artificial prevalence
protocol on a `quantify --dump` (200 samples of 100), measured and not
shipped (docs/accuracy.md, "Heads"). Needs numpy.

  B=target/release/examples; T=examples/taxonomies/flicc-fallacies.toml
  $B/train --flicc tests/data/flicc/fallacy_train.csv --fold 1/45 --taxonomy $T --kind calibration --out cal40.json
  $B/quantify --taxonomy $T --head cal40.json --samples 20 --dump fall-cal.jsonl
  python3 examples/prototypes/emq_head.py fall-cal.jsonl cal40.json

The last row uses the whole test pool's mean probability as the training
prior: it sees the pool's class balance, so it is not a fair estimator and
is shown only as a bound.
"""
import json, sys, math, random
import numpy as np
dump, head = sys.argv[1], sys.argv[2]
H = json.load(open(head)); labels = H['labels']; train_prev = np.array(H['prevalence'], float)
rows = [json.loads(l) for l in open(dump)]
P = []; G = []
for r in rows:
    ds = {d['label']: d['score'] for d in r['analysis']['document_scores']}
    P.append([ds.get(l, 0.0) for l in labels]); G.append(r['gold'][0] if r['gold'] else '')
P = np.array(P); Pn = P / np.maximum(P.sum(1, keepdims=True), 1e-12)
cls = sorted(set(G)); mem = {c: [i for i, g in enumerate(G) if g == c] for c in cls}
def emq(pn, prior_train, iters=1000, eps=1e-6):
    pt = np.clip(prior_train, 1e-3, None); pt = pt/pt.sum()
    # the posteriors' implied training prior: use mean of normalised posteriors on the labelled set? use pt
    pr = pt.copy()
    for _ in range(iters):
        q = pn * (pr/pt)[None,:]; q /= q.sum(1, keepdims=True)
        new = q.mean(0)
        if np.abs(new-pr).max() < eps: pr = new; break
        pr = new
    return pr, q
rng = random.Random(1); S = 200
acc = {}
for s in range(S):
    w = [-math.log(rng.random()) for _ in cls]; t = sum(w); idx = []
    for _ in range(100):
        u = rng.random()*t; c = cls[-1]
        for ci, wc in zip(cls, w):
            if u < wc: c = ci; break
            u -= wc
        idx.append(rng.choice(mem[c]))
    idx = np.array(idx); g = [G[i] for i in idx]
    truth = np.array([np.mean([x == l for x in g]) for l in labels])
    present = [k for k, l in enumerate(labels) if l in cls]
    def rec(name, est, dec):
        a = acc.setdefault(name, [0, 0]); a[0] += np.abs(est - truth)[present].mean(); a[1] += np.mean([labels[d] == gg for d, gg in zip(dec, g)])
    pn = Pn[idx]
    cc = np.array([np.mean(pn.argmax(1) == k) for k in range(len(labels))])
    rec('CC (argmax)', cc, pn.argmax(1))
    rec('PCC normalised (default)', pn.mean(0), pn.argmax(1))
    # EMQ with the labelled prevalence as training prior
    pr, q = emq(pn, train_prev); rec('EMQ, train prior = labelled shares', pr, q.argmax(1))
    # EMQ with training prior = mean normalised posterior over the whole test pool (calibration-consistent)
    pr2, q2 = emq(pn, Pn.mean(0)); rec('EMQ, train prior = mean posterior (pool)', pr2, q2.argmax(1))
for k, (m, a) in acc.items(): print(f'{k:42s} MAE {m/S:.3f}  accuracy {a/S:.3f}')
