#!/usr/bin/env python3
"""Writes docs/LIBTORCH_NAMES.md: every public name of LibTorch 1.13's C++ frontend
(the headers under torch/csrc/api/include/torch/ of Debian's libtorch-dev) beside the
ember name that stands for it, and whether ember has it.

Usage: scripts/docs/libtorch_names.py [--libtorch DIR] [--ember ROOT] [--out FILE]
       scripts/docs/libtorch_names.py --totals    (prints present/total only)

Names are read from the headers, not listed by hand:
  torch::nn::X           TORCH_MODULE(X) in nn/modules/
  torch::nn::functional  the inline functions of nn/functional/ (outside namespace detail)
  torch::optim::X        optimizers and LR schedulers (classes deriving Optimizer / LRScheduler)
  torch::data::...       datasets, samplers, transforms, the data loader factory
  torch::kX              TORCH_ENUM_DECLARE(X) in enum.h
  torch::linalg / fft / special   the inline functions of linalg.h, fft.h, special.h
  torch::OrderedDict, torch::Device, torch::save/load, torch::autograd::... (a few named by hand
                         below, since they are classes and functions spread over many headers)
ember's side is found the same way in ember's public headers (include/ember/)."""
import argparse
import pathlib
import re
import sys

LIBTORCH_DEFAULT = "/usr/include/torch/csrc/api/include/torch"


def read(path):
    return path.read_text(errors="replace")


def strip_detail(text):
    """Drops `namespace detail { ... }` blocks (brace-matched)."""
    out, i = [], 0
    for m in re.finditer(r"namespace detail\s*\{", text):
        if m.start() < i:
            continue
        out.append(text[i:m.start()])
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        i = j
    out.append(text[i:])
    return "".join(out)


def inline_functions(text):
    text = strip_detail(text)
    names = re.findall(r"^\s*inline\s+[\w:<>,\s]+?\b([a-z_][a-z0-9_]*)\s*\(", text, re.M)
    return sorted({n for n in names if not n.startswith("_")})


def libtorch_names(root):
    rows = []  # (section, libtorch name, key used to look ember up)
    for h in sorted((root / "nn/modules").rglob("*.h")):
        text = read(h)
        # TORCH_MODULE(Name), or a holder written by hand for its static from_pretrained
        # (`class Embedding : public torch::nn::ModuleHolder<EmbeddingImpl>`).
        names = re.findall(r"TORCH_MODULE\((\w+)\)", text)
        names += [m.group(1) for m in re.finditer(r"class (\w+) : public torch::nn::ModuleHolder<(\w+)Impl>", text)
                  if m.group(1) == m.group(2)]
        for name in names:
            rows.append(("nn modules", f"torch::nn::{name}", ("module", name)))
    for h in sorted((root / "nn/functional").glob("*.h")):
        for name in inline_functions(read(h)):
            rows.append(("nn::functional", f"torch::nn::functional::{name}", ("functional", name)))
    for h in sorted((root / "optim").rglob("*.h")):
        text = read(h)
        for name in re.findall(r"class TORCH_API (\w+)\s*:\s*public (?:Optimizer|LRScheduler)\b", text):
            rows.append(("optim", f"torch::optim::{name}", ("optim", name)))
    for sub, ns in (("data/datasets", "datasets"), ("data/samplers", "samplers"), ("data/transforms", "transforms")):
        for h in sorted((root / sub).glob("*.h")):
            for name in re.findall(r"^(?:class|struct) (?:TORCH_API )?([A-Z]\w+)\s*(?:final\s*)?[:{]", read(h), re.M):
                if name.endswith("Options") or name in ("Base", "Batch"):
                    continue
                rows.append(("data", f"torch::data::{ns}::{name}", ("data", name)))
    rows.append(("data", "torch::data::make_data_loader", ("data_fn", "make_data_loader")))
    for name in re.findall(r"^TORCH_ENUM_DECLARE\((\w+)\)", read(root / "enum.h"), re.M):
        rows.append(("enums", f"torch::k{name}", ("enum", name)))
    for header, ns in (("linalg.h", "linalg"), ("fft.h", "fft"), ("special.h", "special")):
        for name in inline_functions(read(root / header)):
            rows.append((ns, f"torch::{ns}::{name}", ("ns_fn", ns, name)))
    # Classes and functions spread over many headers: (LibTorch name, ember name, the
    # declaration to find in ember's headers).
    for lt, em, pattern in (
        ("torch::OrderedDict", "ember::OrderedDict", r"(class OrderedDict\b|using OrderedDict =)"),
        ("torch::Device", "ember::Device", r"class Device\b"),
        ("torch::kCPU", "ember::kCPU", r"\bkCPU\b"),
        ("torch::cuda::is_available", "ember::cuda::is_available", r"namespace cuda \{[^}]*is_available\("),
        ("torch::save", "ember::save", r"\bvoid save\("),
        ("torch::load", "ember::load", r"\bload\("),
        ("torch::serialize::OutputArchive", "ember::serialize::OutputArchive", r"class OutputArchive\b"),
        ("torch::serialize::InputArchive", "ember::serialize::InputArchive", r"class InputArchive\b"),
        ("torch::autograd::Function", "ember::autograd::Function", r"(class|struct) Function\b"),
        ("torch::autograd::AutogradContext", "ember::autograd::AutogradContext", r"(class|struct) AutogradContext\b"),
        ("torch::autograd::grad", "ember::autograd::grad", r"std::vector<Tensor> grad\("),
        ("torch::autograd::backward", "ember::autograd::backward", r"void backward\(const std::vector<Tensor>"),
        ("torch::autograd::DetectAnomalyGuard", "ember::autograd::DetectAnomalyGuard", r"class DetectAnomalyGuard\b"),
        ("torch::NoGradGuard", "ember::NoGradGuard", r"class NoGradGuard\b"),
        ("torch::manual_seed", "ember::manual_seed", r"void manual_seed\("),
        ("torch::set_num_threads", "ember::set_num_threads", r"void set_num_threads\("),
        ("torch::nn::Functional", "ember::nn::Functional", r"EMBER_MODULE\(Functional\)"),
        ("torch::nn::Module::apply", "ember::nn::Module::apply", r"void apply\("),
        ("torch::nn::Module::register_forward_hook", "ember::nn::Module::register_forward_hook",
         r"register_forward_hook\("),
    ):
        rows.append(("utilities", lt, ("declared", em, pattern)))
    return rows


class Ember:
    def __init__(self, root):
        inc = root / "include/ember"
        self.all = "\n".join(read(p) for p in sorted(inc.rglob("*.hpp")))
        # EMBER_MODULE(Name) and the headers' declaring macros (EMBER_PAD_MODULE(Name, ...), ...)
        self.modules = set(re.findall(r"EMBER_(?:\w+_)?MODULE\((\w+)[,)]", self.all))
        # Holders written by hand for a static member (Embedding::from_pretrained):
        # `class Name : public ModuleHolder<NameImpl>`.
        self.modules |= {m.group(1) for m in re.finditer(r"class (\w+) : public ModuleHolder<(\w+)Impl>", self.all)
                         if m.group(1) == m.group(2)}
        # The functional headers, and the `namespace functional` blocks of module headers
        # that declare their functional op beside the module (embedding_bag).
        fn_parts = []
        for p in sorted(inc.rglob("*.hpp")):
            text = read(p)
            if "functional" in p.name or p.name in ("functions.hpp",):
                fn_parts.append(text)
            else:
                fn_parts += re.findall(r"namespace functional \{(.*?)\}  // namespace functional", text, re.S)
        fn_text = "\n".join(fn_parts)
        # Declared there, or brought in from ember:: (`using ember::relu;`): the elementwise
        # ops are declared by the op table's macros, so their names appear only that way.
        self.functional = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*\(", fn_text))
        self.functional |= set(re.findall(r"using ember::([a-z_][a-z0-9_]*);", fn_text))
        self.words = set(re.findall(r"\b(\w+)\b", self.all))

    def lookup(self, key):
        kind = key[0]
        if kind == "module":
            return (f"ember::nn::{key[1]}", key[1] in self.modules)
        if kind == "functional":
            return (f"ember::nn::functional::{key[1]}", key[1] in self.functional)
        if kind == "optim":
            return (f"ember::optim::{key[1]}", re.search(rf"\bclass {key[1]}\b", self.all) is not None)
        if kind == "data":
            return (f"ember::data::{key[1]}", re.search(rf"\b(class|struct) {key[1]}\b", self.all) is not None)
        if kind == "data_fn":
            return (f"ember::data::{key[1]}", key[1] in self.words)
        if kind == "enum":
            return (f"ember::k{key[1]}", re.search(rf"\bk{key[1]}\b", self.all) is not None)
        if kind == "ns_fn":
            ns, name = key[1], key[2]
            m = re.search(rf"namespace {ns}\s*\{{(.*?)\n\}}\s*//\s*namespace {ns}", self.all, re.S)
            return (f"ember::{ns}::{name}", bool(m and re.search(rf"\b{name}\s*\(", m.group(1))))
        if kind == "declared":
            return (key[1], re.search(key[2], self.all) is not None)
        raise ValueError(kind)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--libtorch", default=LIBTORCH_DEFAULT)
    ap.add_argument("--ember", default=str(pathlib.Path(__file__).resolve().parents[2]))
    ap.add_argument("--out", default=None)
    ap.add_argument("--totals", action="store_true")
    args = ap.parse_args()
    lt = pathlib.Path(args.libtorch)
    if not (lt / "nn/modules").is_dir():
        sys.exit(f"libtorch_names: no LibTorch C++ frontend headers under {lt} (Debian: libtorch-dev)")
    ember = Ember(pathlib.Path(args.ember))
    rows = [(sec, name, *ember.lookup(key)) for sec, name, key in libtorch_names(lt)]
    present = sum(1 for r in rows if r[3])
    if args.totals:
        print(f"{present}/{len(rows)}")
        return
    sections = []
    for sec, *_ in rows:
        if sec not in sections:
            sections.append(sec)
    out = ["# LibTorch names in ember", "",
           "Every public name of LibTorch 1.13's C++ frontend (`torch/csrc/api/include/torch/` in Debian's",
           "`libtorch-dev`), the ember name that stands for it, and whether ember has it. Made by",
           "`scripts/docs/libtorch_names.py` from the two sets of headers; do not edit by hand.",
           "Tensor methods and `torch::` tensor functions come from ATen, not the C++ frontend, and are",
           "covered by [Coming from PyTorch](COMING_FROM_PYTORCH.md) instead.", "",
           f"**{present} of {len(rows)} names present.**", "",
           "| section | present | total |", "|---|---|---|"]
    for sec in sections:
        rs = [r for r in rows if r[0] == sec]
        out.append(f"| {sec} | {sum(1 for r in rs if r[3])} | {len(rs)} |")
    for sec in sections:
        out += ["", f"## {sec}", "", "| LibTorch | ember | status |", "|---|---|---|"]
        for _, name, ename, ok in (r for r in rows if r[0] == sec):
            out.append(f"| `{name}` | {'`' + ename + '`' if ok else '—'} | {'present' if ok else 'missing'} |")
    text = "\n".join(out) + "\n"
    if args.out:
        pathlib.Path(args.out).write_text(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
