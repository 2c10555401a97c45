// Runs ONNX's own node conformance cases (Debian's libonnx-testdata: per case a
// model.onnx and test_data_set_*/input_*.pb, output_*.pb) through ember's importer and
// prints, per op, how many cases pass, fail and are unsupported (a model using an op
// or a form of it that the importer refuses). Outputs must match within ONNX's own
// backend-test tolerance (rtol 1e-3, atol 1e-7).
//   ember-onnx-conformance [DIR=/usr/share/libonnx-testdata/data/node] [--strict OPS]
// With --strict, a comma-separated list of ops whose every supported case must pass.
#include <ember/ember.hpp>
#include <ember/onnx.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

namespace {
struct Counts {
  int pass = 0, fail = 0, unsupported = 0;
};

bool close_enough(const ember::Tensor& got, const ember::Tensor& want) {
  if (!(got.sizes() == want.sizes())) return false;
  if (want.numel() == 0) return true;
  if (!want.is_floating_point()) return ember::equal(got.to(want.dtype()), want);
  return ember::allclose(got.to(ember::kFloat64), want.to(ember::kFloat64), 1e-3, 1e-7, true);
}
}  // namespace

int main(int argc, char** argv) {
  std::string dir = "/usr/share/libonnx-testdata/data/node";
  std::set<std::string> strict;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--strict" && i + 1 < argc) {
      std::stringstream ss(argv[++i]);
      for (std::string op; std::getline(ss, op, ',');) strict.insert(op);
    } else {
      dir = a;
    }
  }
  std::map<std::string, Counts> per_op;  // keyed by the case's ops, joined
  std::vector<std::string> strict_failures;
  int cases = 0;
  std::vector<fs::path> dirs;
  for (const auto& e : fs::directory_iterator(dir))
    if (fs::exists(e.path() / "model.onnx")) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  for (const fs::path& d : dirs) {
    ++cases;
    std::string key = "?";
    try {
      ember::onnx::Model m = ember::onnx::load((d / "model.onnx").string());
      key.clear();
      for (const std::string& op : m.op_types()) key += (key.empty() ? "" : "+") + op;
      bool ok = true;
      for (int set = 0; fs::exists(d / ("test_data_set_" + std::to_string(set))); ++set) {
        fs::path sd = d / ("test_data_set_" + std::to_string(set));
        std::vector<ember::Tensor> ins, outs;
        for (int k = 0; fs::exists(sd / ("input_" + std::to_string(k) + ".pb")); ++k)
          ins.push_back(ember::onnx::load_tensor((sd / ("input_" + std::to_string(k) + ".pb")).string()));
        for (int k = 0; fs::exists(sd / ("output_" + std::to_string(k) + ".pb")); ++k)
          outs.push_back(ember::onnx::load_tensor((sd / ("output_" + std::to_string(k) + ".pb")).string()));
        ember::NoGradGuard no_grad;
        std::vector<ember::Tensor> got = m(ins);
        for (std::size_t k = 0; k < outs.size() && ok; ++k) ok = k < got.size() && close_enough(got[k], outs[k]);
      }
      Counts& c = per_op[key];
      (ok ? c.pass : c.fail)++;
      if (!ok && strict.count(key)) strict_failures.push_back(d.filename().string());
    } catch (const ember::Error& e) {
      const std::string what = e.what();
      // A refusal at load (an op or form the importer lacks) is "unsupported"; an error
      // while running a model it accepted is a failure.
      if (key == "?") {
        per_op["(not imported)"].unsupported++;
      } else {
        per_op[key].fail++;
        if (strict.count(key)) strict_failures.push_back(d.filename().string() + ": " + what);
      }
    } catch (const std::exception& e) {
      per_op[key].fail++;
      if (strict.count(key)) strict_failures.push_back(d.filename().string() + ": " + e.what());
    }
  }
  int pass = 0, fail = 0, unsupported = 0;
  std::printf("| ops | pass | fail | unsupported |\n|---|---:|---:|---:|\n");
  for (const auto& [op, c] : per_op) {
    std::printf("| %s | %d | %d | %d |\n", op.c_str(), c.pass, c.fail, c.unsupported);
    pass += c.pass;
    fail += c.fail;
    unsupported += c.unsupported;
  }
  std::printf("\n%d cases: %d pass, %d fail, %d unsupported\n", cases, pass, fail, unsupported);
  for (const std::string& f : strict_failures) std::printf("strict failure: %s\n", f.c_str());
  return strict_failures.empty() && cases > 0 ? 0 : 1;
}
