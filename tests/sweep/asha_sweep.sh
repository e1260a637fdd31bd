# Sourced by the ASHA end-to-end tests (asha_kill_resume.sh, slurm/slurm_asha.sh): writes their
# sweep file, a random search with ASHA over a small synthetic network that trains in seconds.
#   asha_sweep_file FILE RESULTS_DIR TRIALS SAMPLE_SEED METRIC [PARAMETER_LINE...]
# Each PARAMETER_LINE is one more `key: {distribution}` beside the learning rate.
# ASHA_TRAIN_IMAGES (default 1600) sets the training images, and so how long an epoch lasts.
asha_sweep_file() {
  local file=$1 results=$2 trials=$3 sample_seed=$4 metric=$5 train=${ASHA_TRAIN_IMAGES:-1600}
  shift 5
  {
    cat <<YAML
base:
  seed: 3
  backend: reference
  threads: 1
  results_dir: $results
  data: {dataset: synthetic, image_size: 12, channels: 1, synthetic: {classes: 4, train: $train, test: 200}}
  model:
    layers:
      - {type: conv2d, name: conv1, filters: 8, kernel: 3, activation: relu}
      - {type: max_pool, name: pool1, size: 2}
      - {type: dropout, name: drop1, rate: 0.25}
      - {type: dense, name: logits, units: classes}
  training: {epochs: 1, batch_size: 16, optimizer: {type: adam, learning_rate: 3.0e-3}, log_every_steps: 20}
  tensorboard: {enabled: false}
search: random
trials: $trials
sample_seed: $sample_seed
parameters:
  training.optimizer.learning_rate: {log_uniform: [3.0e-4, 1.0e-2]}
YAML
    local line
    for line in "$@"; do echo "  $line"; done
    echo "scheduler: {type: asha, min_epochs: 1, max_epochs: 4, reduction_factor: 2, metric: $metric}"
  } > "$file"
}
