#include "training/trainer.hpp"

#include <chrono>
#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "core/interrupt.hpp"
#include "data/batch_loader.hpp"
#include "optim/schedule.hpp"

namespace expt {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// Host buffers for one batch, allocated once per run.
struct BatchBuffer {
  std::vector<float> images;
  std::vector<int32_t> labels;
  BatchBuffer(int64_t n, Shape shape) : images(static_cast<size_t>(n * shape.size())), labels(static_cast<size_t>(n)) {}

  HostBatch fill(const ImageSet& set, const Normalization& norm, std::span<const int64_t> indices) {
    const auto n = static_cast<int64_t>(indices.size());
    const size_t floats = static_cast<size_t>(n * set.shape.size());
    assemble_batch(set, norm, indices, std::span(images).first(floats), std::span(labels).first(indices.size()));
    return HostBatch{n, std::span<const float>(images).first(floats), std::span<const int32_t>(labels).first(indices.size())};
  }
};

uint64_t uniform_below(std::mt19937_64& gen, uint64_t n) {
  // Lemire's multiply-shift; std::uniform_int_distribution differs between standard libraries.
  return static_cast<uint64_t>((static_cast<unsigned __int128>(gen()) * n) >> 64);
}

void notify_end(const std::vector<TrainingObserver*>& observers, const RunEnd& end, Network& net) {
  for (auto* o : observers) o->on_end(end, net);
}

}  // namespace

std::vector<int64_t> epoch_order(int64_t size, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(size));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 gen(seed ^ (0xA24BAED4963EE407ull * static_cast<uint64_t>(epoch + 1)));
  for (int64_t i = size - 1; i > 0; --i) std::swap(order[i], order[uniform_below(gen, static_cast<uint64_t>(i + 1))]);
  return order;
}

BatchMetrics evaluate(Network& net, const ImageSet& set, const Normalization& norm, int64_t batch_size) {
  BatchBuffer buffer(batch_size, set.shape);
  std::vector<int64_t> indices;
  BatchMetrics total;
  for (int64_t begin = 0; begin < set.size(); begin += batch_size) {
    indices.resize(static_cast<size_t>(std::min(batch_size, set.size() - begin)));
    std::iota(indices.begin(), indices.end(), begin);
    const BatchMetrics m = net.forward(buffer.fill(set, norm, indices), Phase::eval, 0);
    total.loss_sum += m.loss_sum;
    total.correct += m.correct;
    total.count += m.count;
  }
  return total;
}

RunEnd train(Network& net, const RunContext& ctx, TrainerStart start, const std::vector<TrainingObserver*>& observers) {
  const ExperimentConfig& cfg = *ctx.config;
  const TrainingConfig& tc = cfg.training;
  const Dataset& data = *ctx.data;
  const int64_t batch = tc.batch_size;
  const int64_t eval_batch = tc.eval_batch_size > 0 ? tc.eval_batch_size : batch;
  const int64_t steps_per_epoch = ctx.steps_per_epoch;

  // Training batches (augmentation included) are prepared on a background thread while the
  // backend computes; evaluation batches are assembled in place.
  TrainBatchLoader loader(data, cfg.data, batch, cfg.seed);
  BatchBuffer probe_buffer(batch, data.test.shape);
  std::vector<int64_t> probe_indices(static_cast<size_t>(std::min(batch, data.test.size())));

  for (auto* o : observers) o->on_start(ctx, net);

  uint64_t step = start.step;
  BestEpoch& best = start.best;
  int64_t epoch = start.epochs_done;
  const int64_t until = start.pause_after > 0 ? std::min(tc.epochs, start.pause_after) : tc.epochs;
  for (; epoch < until && !best.should_stop(); ++epoch) {
    const auto epoch_start = Clock::now();
    loader.start_epoch(epoch, epoch_order(data.train.size(), cfg.seed, epoch));
    BatchMetrics epoch_train;
    double train_seconds = 0, lr = 0;
    double window_seconds = 0;
    int64_t window_steps = 0;

    for (int64_t b = 0; b < steps_per_epoch; ++b) {
      const auto step_start = Clock::now();
      lr = learning_rate_at(tc.optimizer.learning_rate, tc.schedule,
                            static_cast<double>(epoch) + static_cast<double>(b) / static_cast<double>(steps_per_epoch),
                            static_cast<double>(tc.epochs));
      const TrainBatch tb = loader.next();
      const BatchMetrics m = net.forward(HostBatch{tb.n, tb.images, tb.labels}, Phase::train, step);
      if (!std::isfinite(m.loss_sum)) {
        const RunEnd end{RunStatus::diverged, fmt::format("the loss became {} at step {} (epoch {}, learning rate {:g})",
                                                 m.loss_sum, step + 1, epoch + 1, lr), step};
        notify_end(observers, end, net);
        return end;
      }
      net.backward();
      net.update(lr, step + 1);
      ++step;
      epoch_train.loss_sum += m.loss_sum;
      epoch_train.correct += m.correct;
      epoch_train.count += m.count;
      const double step_seconds = seconds_since(step_start);
      train_seconds += step_seconds;
      window_seconds += step_seconds;
      ++window_steps;

      if (tc.log_every_steps > 0 && step % static_cast<uint64_t>(tc.log_every_steps) == 0) {
        // As the seed did: the loss and accuracy of one random test batch next to the train batch's.
        // Drawn from (seed, step) alone, so a resumed run logs the same batches.
        std::mt19937_64 probe_gen(cfg.seed ^ (0x5851F42D4C957F2Dull * step));
        for (auto& i : probe_indices) i = static_cast<int64_t>(uniform_below(probe_gen, static_cast<uint64_t>(data.test.size())));
        StepLog log;
        log.step = step;
        log.epoch = epoch;
        log.learning_rate = lr;
        log.train = m;
        log.test = net.forward(probe_buffer.fill(data.test, data.normalization, probe_indices), Phase::eval, step);
        log.step_ms = 1e3 * window_seconds / static_cast<double>(window_steps);
        log.images_per_second = static_cast<double>(window_steps * batch) / window_seconds;
        window_seconds = 0;
        window_steps = 0;
        for (auto* o : observers) o->on_log(log, net);
      }
      if (interrupt_requested()) {
        const RunEnd end{RunStatus::interrupted, fmt::format("stopped by the user at step {} (epoch {})", step, epoch + 1), step};
        notify_end(observers, end, net);
        return end;
      }
    }

    EpochLog log;
    log.epoch = epoch;
    log.step = step;
    log.learning_rate = lr;
    log.train = epoch_train;
    const auto eval_start = Clock::now();
    log.test = evaluate(net, data.test, data.normalization, eval_batch);
    log.eval_seconds = seconds_since(eval_start);
    log.seconds = seconds_since(epoch_start);
    log.images_per_second = train_seconds > 0 ? static_cast<double>(epoch_train.count) / train_seconds : 0;
    log.new_best = best.record(epoch + 1, log.test.loss(), log.test.accuracy());
    log.last = epoch + 1 == until || best.should_stop();
    for (auto* o : observers) o->on_epoch(log, net);
  }
  // Running out of patience in the last epoch is no early stop: every epoch was trained.
  const RunEnd end = epoch == tc.epochs    ? RunEnd{RunStatus::completed, "", step}
                     : best.should_stop() ? RunEnd{RunStatus::stopped_early, best.stop_reason(), step}
                                          : RunEnd{RunStatus::paused, fmt::format("paused after epoch {}", epoch), step};
  notify_end(observers, end, net);
  return end;
}

}  // namespace expt
