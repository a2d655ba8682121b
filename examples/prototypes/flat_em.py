"""EM prior adjustment of a flat base-rate taxonomy's zero-shot decisions,
measured and not shipped (docs/accuracy.md, "Adapting flat taxonomies").

The base-rate rule scores category c of a document as z_c + ln(prior_c * k)
(z: the document score above neutral text, in pooled neutral sds) and keeps
the best few. Read as a posterior, softmax(z + ln prior) is one "slot" of a
document; Saerens-style EM re-estimates the corpus's priors from those
posteriors (with `alpha` documents' weight pulling toward the published
priors) and the decision is re-run with them. Needs numpy.

  # FLICC, artificial prevalence protocol (quantify --dump writes the file):
  target/release/examples/quantify --taxonomy persuasion-techniques --dump tech.jsonl
  python3 examples/prototypes/flat_em.py app tech.jsonl src/taxonomy/builtin/persuasion-techniques.toml
  # a corpus's shares before and after (a batch output):
  target/release/examples/batch ../shared/data/globalvoices/articles.jsonl --output gv-f.jsonl
  python3 examples/prototypes/flat_em.py corpus gv-f.jsonl src/taxonomy/builtin/media-frames.toml

This reimplements the decision in numpy without the one-label-per-sentence
cap and the furniture rules, so its "before" shares differ a little from
batch's; compare its own before and after.
"""
import json
import math
import random
import sys
import tomllib

import numpy as np


def load(tax):
    t = tomllib.load(open(tax, "rb"))
    labels = [c["label"] for c in t["categories"]]
    prior = np.array([c.get("prior", 0) for c in t["categories"]], float)
    return labels, prior / prior.sum(), t.get("max_labels", 99), t.get("min_labels", 0)


def rows_of(path, labels):
    z, n, gold = [], [], []
    for line in open(path):
        r = json.loads(line)
        a = r.get("analysis")
        if not a:
            continue
        b = a["basis"]
        ds = {d["label"]: d["score"] for d in a["document_scores"]}
        s = np.array([ds.get(l, 0.0) for l in labels])
        sd = np.array(b["norms"]["sd"])
        z.append((s - np.array(b["norms"]["mean"])) / max(math.sqrt((sd**2).mean()), 1e-3))
        n.append(len(a["sentences"]))
        gold.append(set(r.get("gold", [])))
    return np.array(z), np.array(n), gold


class Rule:
    def __init__(self, tax):
        self.labels, self.prior, self.maxl, self.minl = load(tax)

    def decide(self, z, n, pr):
        k = len(self.labels)
        sc = z + np.log(np.maximum(pr, 1e-12) * k)
        e = (1 - (1 - pr[None, :]) ** np.sqrt(np.maximum(n, 1))[:, None]).sum(1)
        m = np.maximum(np.clip(np.round(e), 1, self.maxl), np.minimum(self.minl, np.maximum(n, 1))).astype(int)
        return [set(self.labels[c] for c in np.argsort(-sc[j], kind="stable")[: m[j]]) for j in range(len(z))]

    def em(self, z, alpha):
        pr = self.prior.copy()
        for _ in range(500):
            lg = z + np.log(np.maximum(pr, 1e-12))
            lg -= lg.max(1, keepdims=True)
            q = np.exp(lg)
            q /= q.sum(1, keepdims=True)
            new = (q.sum(0) + alpha * self.prior) / (len(z) + alpha)
            if np.abs(new - pr).max() < 1e-7:
                return new
            pr = new
        return pr


def f1_samples(gold, pred):
    f = 0.0
    for g, p in zip(gold, pred):
        if not g and not p:
            f += 1
        elif g & p:
            f += 2 * len(g & p) / (len(g) + len(p))
    return f / len(gold)


def app(path, tax, samples=200, size=100, seed=1):
    rule = Rule(tax)
    z, n, gold = rows_of(path, rule.labels)
    first = [sorted(g)[0] if g else "" for g in gold]
    classes = sorted(set(first))
    members = {c: [i for i, f in enumerate(first) if f == c] for c in classes}
    golds = sorted(set().union(*gold))
    rng = random.Random(seed)
    out = {}
    for _ in range(samples):
        w = [-math.log(rng.random()) for _ in classes]
        idx = []
        for _ in range(size):
            u, c = rng.random() * sum(w), classes[-1]
            for ci, wc in zip(classes, w):
                if u < wc:
                    c = ci
                    break
                u -= wc
            idx.append(rng.choice(members[c]))
        idx = np.array(idx)
        g = [gold[i] for i in idx]
        truth = {l: np.mean([l in x for x in g]) for l in golds}
        runs = {"published priors (today)": rule.prior}
        for alpha in (0, 20, 100):
            runs[f"EM, alpha {alpha}"] = rule.em(z[idx], alpha)
        for name, pr in runs.items():
            pred = rule.decide(z[idx], n[idx], pr)
            mae = np.mean([abs(np.mean([l in p for p in pred]) - truth[l]) for l in golds])
            acc = out.setdefault(name, [0.0, 0.0])
            acc[0] += mae
            acc[1] += f1_samples(g, pred)
    print(f"{path}: {samples} samples of {size}, {len(classes)} classes")
    for name, (mae, f1) in out.items():
        print(f"  {name:28s} counted shares MAE {mae / samples:.3f}   F1 samples {f1 / samples:.3f}")


def corpus(path, tax):
    rule = Rule(tax)
    z, n, _ = rows_of(path, rule.labels)
    runs = {"published priors (today)": rule.prior, "EM, alpha 0": rule.em(z, 0), "EM, alpha 50": rule.em(z, 50)}
    shares = {k: [np.mean([l in p for p in rule.decide(z, n, pr)]) for l in rule.labels] for k, pr in runs.items()}
    print(f"{'label':46s}" + "".join(f"{k:>26s}" for k in runs))
    for i, l in enumerate(rule.labels):
        print(f"{l:46s}" + "".join(f"{shares[k][i]:26.3f}" for k in runs))


if __name__ == "__main__":
    {"app": app, "corpus": corpus}[sys.argv[1]](sys.argv[2], sys.argv[3])
