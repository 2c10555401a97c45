// A character-level language model of English words: each word of /usr/share/dict/words
// (lower-case a-z only) is a sequence begin, c1, ..., cn, end; an LSTM cell reads one
// character at a time and predicts the next. Every batch of 32 random words is unrolled
// to its own longest word, so the graph changes from batch to batch; the steps past a
// word's end are padding and are left out of the loss. At the end the model reports its
// loss per character on held-out words and invents a few new words.
//
//   ./words_lstm --batches 300 --checkpoint words.safetensors
//   ./words_lstm --batches 600 --checkpoint words.safetensors --resume
//   ember-launch --nproc 2 ./words_lstm --distributed --batches 300
//   mpirun -np 2 ./words_lstm --distributed --backend mpi --batches 300
//
// --distributed: every step draws world size x --batch-size words (the same draws on every
// rank; a resumed run replays them, so it sees the batches of an uninterrupted run with the
// same number of ranks, and any number of ranks may resume a checkpoint); rank r trains on its share
// of them (DistributedSampler over the step's words), DistributedDataParallel averages the
// gradients, and rank 0 alone prints, logs, evaluates and writes checkpoints.
#include <ember/ember.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "common/classifier.hpp"  // example::join_job, for --distributed
#include "common/flags.hpp"
#include "common/progress.hpp"
#include "common/training_log.hpp"

namespace nn = ember::nn;
namespace F = ember::nn::functional;
using ember::data::WordList;
using ember::Tensor;

struct CharLSTM : nn::Module {
  nn::Embedding embed{nullptr};
  nn::LSTMCell cell{nullptr};
  nn::Linear head{nullptr};

  CharLSTM() : Module("CharLSTM") {
    embed = register_module("embed", nn::Embedding(WordList::kVocabSize, 32));
    cell = register_module("cell", nn::LSTMCell(32, 128));
    head = register_module("head", nn::Linear(128, WordList::kVocabSize));
  }

  // tokens [T, N] int64 -> logits [T, N, vocab], one LSTM step per row.
  Tensor forward(const Tensor& tokens) override {
    Tensor x = embed(tokens);
    const int64_t steps = tokens.size(0), batch = tokens.size(1);
    Tensor h = ember::zeros({batch, 128}), c = ember::zeros({batch, 128});
    std::vector<Tensor> hidden;
    for (int64_t t = 0; t < steps; ++t) {
      std::tie(h, c) = cell(x[t], std::make_tuple(h, c));
      hidden.push_back(h);
    }
    return head(ember::stack(hidden));
  }
};

// Inputs [T, N] (begin, then the letters) and targets [T, N] (the letters, then end;
// -100, cross_entropy's ignore_index, on the padded steps) for a batch of words.
std::pair<Tensor, Tensor> make_batch(const std::vector<std::string>& words) {
  std::size_t longest = 0;
  for (const std::string& w : words) longest = std::max(longest, w.size());
  const int64_t steps = static_cast<int64_t>(longest) + 1, n = static_cast<int64_t>(words.size());
  std::vector<int64_t> input(static_cast<std::size_t>(steps * n), WordList::kEnd);
  std::vector<int64_t> target(static_cast<std::size_t>(steps * n), -100);
  for (int64_t i = 0; i < n; ++i) {
    const std::vector<int64_t> tokens = WordList::encode(words[static_cast<std::size_t>(i)]);
    const int64_t len = static_cast<int64_t>(words[static_cast<std::size_t>(i)].size());
    for (int64_t t = 0; t <= len; ++t) {
      input[static_cast<std::size_t>(t * n + i)] = t == 0 ? WordList::kBegin : tokens[static_cast<std::size_t>(t - 1)];
      target[static_cast<std::size_t>(t * n + i)] = t < len ? tokens[static_cast<std::size_t>(t)] : WordList::kEnd;
    }
  }
  return {ember::tensor(input, {steps, n}, ember::kInt64), ember::tensor(target, {steps, n}, ember::kInt64)};
}

// Mean loss per character (the end token counts as one) over the given words.
double held_out_loss(CharLSTM& model, const std::vector<std::string>& words) {
  ember::NoGradGuard no_grad;
  double total = 0;
  int64_t characters = 0;
  for (std::size_t start = 0; start < words.size(); start += 500) {
    std::vector<std::string> chunk(words.begin() + static_cast<std::ptrdiff_t>(start),
                                   words.begin() + static_cast<std::ptrdiff_t>(std::min(words.size(), start + 500)));
    auto [input, target] = make_batch(chunk);
    Tensor logits = model.forward(input);
    total += F::cross_entropy(logits.flatten(0, 1), target.flatten(), {}, -100, "sum").item<double>();
    characters += target.ne(-100).sum().item<int64_t>();
  }
  return total / static_cast<double>(characters);
}

// Draws a word letter by letter from the model's predicted distribution.
std::string sample_word(CharLSTM& model, std::mt19937_64& rng) {
  ember::NoGradGuard no_grad;
  Tensor h = ember::zeros({1, 128}), c = ember::zeros({1, 128});
  int64_t token = WordList::kBegin;
  std::vector<int64_t> letters;
  while (letters.size() < 24) {
    Tensor x = model.embed(ember::tensor(std::vector<int64_t>{token}, {1}, ember::kInt64));
    std::tie(h, c) = model.cell(x, std::make_tuple(h, c));
    std::vector<double> probs = ember::softmax(model.head(h)[0], 0).to(ember::kFloat64).tolist<double>();
    token = std::discrete_distribution<int64_t>(probs.begin(), probs.end())(rng);
    if (token == WordList::kEnd) break;
    if (token != WordList::kBegin) letters.push_back(token);
  }
  return WordList::decode(letters);
}

int main(int argc, char** argv) {
  example::Flags flags("words_lstm", "a character-level LSTM language model of English words");
  flags.add("batches", "300", "training batches (the run ends after this many in total)")
      .add("batch-size", "32", "words per batch, drawn with replacement")
      .add("lr", "0.001", "Adam learning rate")
      .add("threads", "1", "threads for ember and OpenBLAS")
      .add("seed", "0", "seed for initialisation, sampling and the held-out split")
      .add("words", WordList::kDefaultPath, "the word list, one word per line")
      .add("held-out", "2000", "words kept out of training to measure the loss")
      .add("checkpoint", "", "save the training state here (.safetensors or .pt)")
      .add("checkpoint-every", "100", "batches between checkpoints")
      .add_switch("resume", "continue from --checkpoint")
      .add("samples", "10", "new words to invent at the end")
      .add_switch("distributed", "data-parallel over the ranks started by mpirun or ember-launch (--batch-size per rank)")
      .add("backend", "", "gloo or mpi (default: mpi under mpirun, gloo otherwise)");
  example::add_logging_flags(flags);
  flags.parse(argc, argv);
  const uint64_t seed = static_cast<uint64_t>(flags.integer("seed"));
  const long long batches = flags.integer("batches"), batch_size = flags.integer("batch-size");
  const std::string checkpoint = flags.str("checkpoint");
  if (flags.on("resume") && checkpoint.empty()) flags.fail("--resume needs --checkpoint");
  ember::set_num_threads(static_cast<int>(flags.integer("threads")));
  const int rank = example::join_job(flags);
  const bool leader = rank == 0;  // the one rank that prints, logs, evaluates and saves
  ember::manual_seed(seed);

  WordList words(flags.str("words"), flags.integer("held-out"), seed);
  if (leader) std::printf("%zu training words, %zu held out\n", words.train().size(), words.held_out().size());
  CharLSTM model;
  if (leader) std::cout << model << "\n";
  ember::optim::Adam optimizer(model.parameters(), ember::optim::AdamOptions(flags.number("lr")));

  // Data-parallel: DDP starts every rank from rank 0's weights and averages the gradients
  // in backward; rank r takes its share of each step's words.
  std::function<Tensor(const Tensor&)> forward = [&](const Tensor& x) { return model.forward(x); };
  int world = 1;
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
  std::unique_ptr<nn::parallel::DistributedDataParallel> ddp;
  std::vector<std::size_t> share;  // indices into a step's world * batch_size words
  if (flags.on("distributed")) {
    world = ember::distributed::get_world_size();
    ddp = std::make_unique<nn::parallel::DistributedDataParallel>(model);
    forward = [&](const Tensor& x) { return ddp->forward(x); };
    share = ember::data::samplers::DistributedSampler(static_cast<std::size_t>(world * batch_size), world, rank,
                                                       /*shuffle=*/false)
                .indices();
    if (leader)
      std::printf("data-parallel over %d ranks (%s), %lld words per rank per step\n", world,
                  ember::distributed::get_backend().c_str(), batch_size);
  }
#endif

  // One generator draws every batch; a resumed run replays the draws it skips, so it
  // sees exactly the batches the uninterrupted run would.
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, words.train().size() - 1);
  auto draw_batch = [&] {
    std::vector<std::string> batch;
    for (long long i = 0; i < batch_size; ++i) batch.push_back(words.train()[pick(rng)]);
    return batch;
  };
  // A step's words: one batch, or world batches' worth of which this rank keeps its share.
  auto draw_step = [&] {
    if (world == 1) return draw_batch();
    std::vector<std::string> all;
    for (int r = 0; r < world; ++r)
      for (std::string& w : draw_batch()) all.push_back(std::move(w));
    std::vector<std::string> mine;
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
    for (std::size_t i : share) mine.push_back(all[i]);
#endif
    return mine;
  };
  auto save_state = [&](long long done) {
    ember::StateDict state = ember::with_prefix(model.state_dict(), "model.");
    for (auto& [key, value] : ember::with_prefix(optimizer.state_dict(), "optimizer.")) state.insert(key, value);
    state.insert("batch", ember::tensor(static_cast<int64_t>(done)));
    ember::save(state, checkpoint);
  };

  long long done = 0;
  if (flags.on("resume")) {
    ember::StateDict state = ember::load(checkpoint);
    model.load_state_dict(ember::strip_prefix(state, "model."));
    optimizer.load_state_dict(ember::strip_prefix(state, "optimizer."));
    done = state.at("batch").item<int64_t>();
    for (long long b = 0; b < done; ++b) draw_step();
    if (leader) std::printf("resumed from %s after batch %lld\n", checkpoint.c_str(), done);
  }

  // --logdir/--plot: the loss every --log-every batches, and every --checkpoint-every
  // batches (this program's "epoch") the mean loss, lr and histograms.
  example::TrainingLog log(flags, leader);
  if (log.writing()) log.graph(model, make_batch({"graph", "example"}).first);
  double window_loss = 0;
  long long window = 0;

  example::Progress progress("train", batches - done, "words", leader);
  for (; done < batches; ++done) {
    auto [input, target] = make_batch(draw_step());
    Tensor logits = forward(input);
    Tensor loss = F::cross_entropy(logits.flatten(0, 1), target.flatten());
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    const double loss_value = loss.item<double>();
    progress.update(batch_size * world, loss_value);  // every rank's words
    log.step(done + 1, loss_value);
    window_loss += loss_value;
    ++window;
    if ((done + 1) % flags.integer("checkpoint-every") == 0 || done + 1 == batches) {
      log.epoch((done + 1) / flags.integer("checkpoint-every"), done + 1, {{"loss/train_window", window_loss / window}},
                flags.number("lr"), model);
      window_loss = 0;
      window = 0;
    }
    if (leader && !checkpoint.empty() && ((done + 1) % flags.integer("checkpoint-every") == 0 || done + 1 == batches))
      save_state(done + 1);
  }
  progress.finish();
#if EMBER_EXAMPLES_HAVE_DISTRIBUTED
  if (flags.on("distributed")) {
    ddp.reset();
    ember::distributed::destroy_process_group();
  }
#endif
  if (!leader) return 0;

  const double loss = held_out_loss(model, words.held_out());
  std::printf("done: %lld batches, %.0f words/s, held-out loss %.4f per character\n", batches, progress.throughput(),
              loss);
  log.epoch(batches / flags.integer("checkpoint-every") + 1, batches, {{"loss/held_out", loss}}, flags.number("lr"),
            model);
  log.finish({{"lr", flags.number("lr")}, {"batch_size", static_cast<double>(batch_size)},
              {"batches", static_cast<double>(batches)}, {"seed", static_cast<double>(seed)}});
  std::mt19937_64 sampler(seed + 1);
  std::printf("invented words:");
  for (long long i = 0; i < flags.integer("samples"); ++i) std::printf(" %s", sample_word(model, sampler).c_str());
  std::printf("\n");
  return 0;
}
