"""The Python peers of benches/peer_compare.sh, which runs them in a venv of
pinned registry packages (sentence-transformers, torch, onnx, onnxruntime).

  peer_python.py prepare MODEL_DIR WORK SENTENCES
      export the model to ONNX fp32 (torch.onnx.export), quantise it
      dynamically to int8 per channel (onnxruntime.quantization.quantize_dynamic,
      per_channel=True, weight_type=QInt8) into WORK, and print how close
      both models' vectors are to sentence-transformers' on 500 sentences
  peer_python.py st|ort-fp32|ort-int8 MODEL_DIR WORK SENTENCES THREADS REPEAT
      encode every sentence once (warm-up), then REPEAT timed passes; prints
      sentences/s of the best pass, last as `sentences_per_s=...`

Encoding only (tokenise, encode, pool, unit length): no scoring, and model
loading is not timed.
"""
import os, sys, time

def sentences_of(path):
    return [l.strip() for l in open(path, encoding="utf-8") if l.strip()]

def prepare(model_dir, work, sentences_path):
    import numpy as np, torch
    from transformers import AutoModel, AutoTokenizer
    from onnxruntime.quantization import QuantType, quantize_dynamic
    tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
    bert = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()

    class Encoder(torch.nn.Module):
        """The transformer with the three inputs by name, its last hidden state out."""
        def __init__(self):
            super().__init__()
            self.bert = bert
        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    enc = tok(["An example sentence for the export.", "Another, a little longer, to pad."],
              padding=True, return_tensors="pt")
    fp32, int8 = os.path.join(work, "model-fp32.onnx"), os.path.join(work, "model-int8.onnx")
    dyn = {0: "batch", 1: "sequence"}
    with torch.inference_mode():
        torch.onnx.export(model, (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]), fp32,
                          input_names=["input_ids", "attention_mask", "token_type_ids"],
                          output_names=["last_hidden_state"],
                          dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn,
                                        "last_hidden_state": dyn},
                          opset_version=17, dynamo=False)
    quantize_dynamic(fp32, int8, per_channel=True, weight_type=QuantType.QInt8)
    print(f"exported {fp32} ({os.path.getsize(fp32) / 1e6:.1f} MB) and quantised {int8} "
          f"({os.path.getsize(int8) / 1e6:.1f} MB): quantize_dynamic(per_channel=True, weight_type=QInt8)")
    # How close the ONNX vectors are to sentence-transformers' own (first 500 sentences).
    from sentence_transformers import SentenceTransformer
    some = sentences_of(sentences_path)[:500]
    ref = SentenceTransformer(model_dir, device="cpu", local_files_only=True).encode(
        some, batch_size=32, convert_to_numpy=True, normalize_embeddings=True)
    for name, path in (("fp32", fp32), ("int8", int8)):
        vec = OrtEncoder(model_dir, path, 2).encode(some)
        cos = (vec * ref).sum(axis=1)
        print(f"ONNX Runtime {name} against sentence-transformers fp32, {len(some)} sentences: "
              f"cosine mean {cos.mean():.5f}, worst {cos.min():.5f}")

class OrtEncoder:
    """What a speed-minded user writes: the fast tokenizer, an ONNX Runtime
    session on THREADS threads, mean pooling with the attention mask, unit
    length; sentences sorted by length into batches of 32 as
    sentence-transformers does."""
    def __init__(self, model_dir, onnx_path, threads, batch_size=32):
        import onnxruntime as ort
        from transformers import AutoTokenizer
        self.tok = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        so = ort.SessionOptions()
        so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
        self.sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        self.batch_size = batch_size
    def encode(self, sentences):
        import numpy as np
        order = np.argsort([-len(s) for s in sentences], kind="stable")
        out = np.empty((len(sentences), 384), dtype=np.float32)
        for i in range(0, len(sentences), self.batch_size):
            idx = order[i:i + self.batch_size]
            enc = self.tok([sentences[j] for j in idx], padding=True, truncation=True, max_length=256,
                           return_tensors="np")
            feed = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
            hidden = self.sess.run(None, feed)[0]
            mask = feed["attention_mask"][..., None].astype(np.float32)
            mean = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            out[idx] = mean / np.clip(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12, None)
        return out

def run(kind, model_dir, work, sentences_path, threads, repeat):
    sentences = sentences_of(sentences_path)
    if kind == "st":
        import torch
        from sentence_transformers import SentenceTransformer
        torch.set_num_threads(threads)
        model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
        what = f"sentence-transformers, torch {torch.__version__}, {torch.get_num_threads()} threads, fp32"
        def once():
            with torch.inference_mode():
                model.encode(sentences, batch_size=32, show_progress_bar=False, convert_to_numpy=True)
    else:
        import onnxruntime as ort
        enc = OrtEncoder(model_dir, os.path.join(work, f"model-{kind[4:]}.onnx"), threads)
        what = f"ONNX Runtime {ort.__version__}, {threads} threads, {kind[4:]}"
        def once():
            enc.encode(sentences)
    once()
    best, cpu0 = float("inf"), time.process_time()
    for _ in range(repeat):
        t = time.perf_counter(); once(); best = min(best, time.perf_counter() - t)
    cpu = (time.process_time() - cpu0) / repeat
    print(f"{len(sentences)} sentences; {what}; CPU time per pass {cpu:.2f} s")
    print(f"encode: {len(sentences)} sentences in {best:.3f} s = {len(sentences) / best:.1f} sentences/s")
    print(f"sentences_per_s={len(sentences) / best:.1f}")

if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(*sys.argv[2:5])
    else:
        run(sys.argv[1], *sys.argv[2:5], int(sys.argv[5]), int(sys.argv[6]))
