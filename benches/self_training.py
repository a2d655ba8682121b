"""Helpers of benches/self_training.sh (issue 27 item 5: self-training, measured).

Subcommands (all read and write framelens JSONL):
  texts SPLIT.csv OUT.jsonl            FLICC split -> {"id", "text", "fallacy", "claim"}, ids as data::read_flicc
  pseudo n|f BATCH TEXTS P OTHER OUT   pseudo-labels from a zero-shot `batch` output: per decided
                                       category, its share P of most confident documents; OTHER=1 also
                                       keeps the share P of the documents decided `Other` (labels [])
  shuffle IN OUT SEED                  the same documents, their label lists shuffled among them
  forced BATCH OUT                     zero-shot without the gate: every document gets its best-scored
                                       narrative and, under it, its best-scored sub-narrative
  score n|f BATCH TEXTS                F1 samples coarse / fine (n) or accuracy / macro-F1 (f) against
                                       FLICC gold (the CARDS mapping of src/taxonomy/mappings/)
  share BATCH                          documents decided to carry any narrative, of all

Confidence: narratives, a category's document score (its cut is one number per
category, so ranking by score is ranking by margin); `Other`, minus the best
top-level score; fallacies, the best document score minus the second.
"""

import csv
import json
import math
import os
import random
import sys
from collections import defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def write(path, items):
    with open(path, "w") as f:
        for item in items:
            f.write(json.dumps(item) + "\n")


def texts(split_csv, out):
    split = os.path.basename(split_csv).removesuffix(".csv").removeprefix("fallacy_")
    with open(split_csv, newline="") as f:
        write(out, ({"id": f"{split}-{i + 1:04}", "text": r["text"].strip(), "fallacy": r["label"], "claim": r["Claim"]}
                    for i, r in enumerate(csv.DictReader(f))))


def narratives_gold(records):
    """claim code -> ({narrative}, {sub-narrative}) by the CARDS mapping, as data::read_flicc."""
    table = {}
    with open(os.path.join(ROOT, "src/taxonomy/mappings/cards-to-narratives.tsv")) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if line.strip() and not line.startswith("#") and len(cols) == 3:
                table[cols[0]] = (cols[1], cols[2])
    fine_names = {d["label"] for r in records for d in r["analysis"]["document_scores"]}

    def gold(claim):
        code = claim.strip()
        while code not in table:
            if "." not in code:
                return None
            code = code.rsplit(".", 1)[0]
        n, s = table[code]
        fine = f"{n}: Other" if s == "-" or f"{n}: {s}" not in fine_names else f"{n}: {s}"
        return {n}, {fine}

    return gold


def pseudo(view, batch, texts_path, p, other, out):
    docs = {d["id"]: d for d in rows(texts_path)}
    text = {i: d["text"] for i, d in docs.items()}
    by_category, labels, others = defaultdict(list), {}, []
    records = [r for r in rows(batch) if "analysis" in r]
    for r in records:
        a, i = r["analysis"], r["id"]
        scores = {d["label"]: d["score"] for d in a["document_scores"]}
        if view == "n":
            fine = [x["label"] for x in a["labels"] if x["label"] != "Other"]
            coarse = [x["label"] for x in a["coarse"] if x["label"] != "Other"]
            if not coarse:
                others.append((-max(s for k, s in scores.items() if k.count(":") == 1), i))
                labels[i] = []
                continue
            labels[i] = fine or coarse
            for c in coarse:
                by_category[c].append((scores[c], i))
        else:
            best = sorted(scores.values(), reverse=True)
            c = a["labels"][0]["label"]
            labels[i] = [c]
            by_category[c].append((best[0] - best[1], i))
    keep = set()
    for xs in by_category.values():
        xs.sort(reverse=True)
        keep.update(i for _, i in xs[: max(1, math.ceil(p * len(xs)))])
    if other and others:
        others.sort(reverse=True)
        keep.update(i for _, i in others[: max(1, math.ceil(p * len(others)))])
    write(out, ({"id": i, "text": text[i], "labels": labels[i]} for i in sorted(keep)))
    n_other = sum(1 for i in keep if not labels[i])
    note = f" ({n_other} Other)" if view == "n" else ""
    # FLICC only: how many pseudo-labels are right (the narrative for the narratives)
    if all("claim" in docs[i] for i in keep):
        gold = narratives_gold(records)

        def is_right(i):
            if view == "f":
                return docs[i]["fallacy"] == labels[i][0]
            narrative = gold(docs[i]["claim"])
            # "CC: narrative: sub-narrative" -> "CC: narrative"
            return narrative is not None and narrative[0] <= {": ".join(x.split(": ")[:2]) for x in labels[i]}

        right = sum(map(is_right, keep))
        note += f", {right / len(keep):.2f} right"
    print(f"{len(keep)} of {len(records)} documents{note}")


def shuffle(src, out, seed):
    items = rows(src)
    lists = [x["labels"] for x in items]
    random.Random(seed).shuffle(lists)
    for x, lab in zip(items, lists):
        x["labels"] = lab
    write(out, items)


def forced(batch, out):
    items = rows(batch)
    for r in items:
        a = r["analysis"]
        scores = {d["label"]: d["score"] for d in a["document_scores"]}
        tops = {k: s for k, s in scores.items() if k.count(":") == 1}
        n = max(tops, key=tops.get)
        subs = {k: s for k, s in scores.items() if k.startswith(n + ": ")}
        a["coarse"] = [{"label": n}]
        a["labels"] = [{"label": max(subs, key=subs.get)}]
    write(out, items)


def score(view, batch, texts_path):
    gold_rows = {d["id"]: d for d in rows(texts_path)}
    records = rows(batch)
    if view == "f":
        names = sorted({d["fallacy"] for d in gold_rows.values()})
        tp, fp, fn, right = defaultdict(int), defaultdict(int), defaultdict(int), 0
        for r in records:
            g, p = gold_rows[r["id"]]["fallacy"], r["analysis"]["labels"][0]["label"]
            if g == p:
                right += 1
                tp[g] += 1
            else:
                fn[g] += 1
                fp[p] += 1
        f1 = [2 * tp[x] / (2 * tp[x] + fp[x] + fn[x]) if tp[x] + fp[x] + fn[x] else 0.0 for x in names]
        print(f"{right / len(records):.3f} {sum(f1) / len(f1):.3f}")
        return
    gold = narratives_gold(records)

    def f1(g, p):
        return 1.0 if not g and not p else 2 * len(g & p) / (len(g) + len(p))

    c = f = n = 0
    for r in records:
        g = gold(gold_rows[r["id"]]["claim"])
        if g is None:
            continue
        a = r["analysis"]
        c += f1(g[0], {x["label"] for x in a["coarse"]})
        f += f1(g[1], {x["label"] for x in a["labels"]})
        n += 1
    print(f"{c / n:.3f} {f / n:.3f}")


def share(batch):
    records = [r for r in rows(batch) if "analysis" in r]
    n = sum(1 for r in records if any(x["label"] != "Other" for x in r["analysis"]["coarse"]))
    print(f"{n} of {len(records)}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "texts":
        texts(*args)
    elif cmd == "pseudo":
        pseudo(args[0], args[1], args[2], float(args[3]), args[4] == "1", args[5])
    elif cmd == "shuffle":
        shuffle(args[0], args[1], int(args[2]))
    elif cmd == "forced":
        forced(*args)
    elif cmd == "score":
        score(*args)
    elif cmd == "share":
        share(*args)
    else:
        sys.exit(f"unknown subcommand {cmd}")
