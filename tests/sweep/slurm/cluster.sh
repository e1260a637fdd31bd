#!/usr/bin/env bash
# Sourced by the Slurm tests: starts a private one-node Slurm cluster in a temporary folder and
# stops it (by PID, only the daemons started here) when the sourcing script exits.
#
#   source cluster.sh "$work"     # sets SLURM_CONF and exports it; `slurm_cluster_stop` is trapped
#
# Nothing listens beyond 127.0.0.1: the controller and the node use free loopback ports, so
# several copies of the test can run side by side. munged runs as the munge user with its own
# key and socket under the folder, so the machine's /etc/munge and /run/munge are not touched.
# Exits 77 (CTest's skip code) with the reason when the Slurm or MUNGE programs are missing, the
# test is not root (slurmd must start jobs as their user; munged must run as `munge`), or the
# machine cannot host a Slurm node (its host name does not resolve, no cgroup file system). A
# cluster that starts and then fails ends the test within seconds, with the daemons' last log lines.

slurm_cluster_dir=$1/slurm-cluster
slurm_cluster_pids=()
declare -A slurm_cluster_names  # pid -> daemon, for failure messages

slurm_cluster_skip() { echo "SKIP: $*"; exit 77; }

for program in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo setpriv python3; do
  command -v "$program" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$program" >/dev/null ||
    slurm_cluster_skip "$program not found: install slurmctld slurmd slurm-client munge (scripts/bootstrap --tests)"
done
export PATH=$PATH:/usr/sbin:/sbin
[[ $(id -u) -eq 0 ]] || slurm_cluster_skip "the one-node Slurm cluster needs root (slurmd, munged as user munge)"
id munge >/dev/null 2>&1 || slurm_cluster_skip "no munge user: reinstall the munge package"
node=$(hostname -s)
getent hosts "$node" >/dev/null ||
  slurm_cluster_skip "this machine's host name '$node' does not resolve (slurmd needs it: add it to /etc/hosts)"
[[ $(stat -f -c %T /sys/fs/cgroup 2>/dev/null) == @(cgroup2fs|tmpfs) ]] ||
  slurm_cluster_skip "no cgroup file system mounted on /sys/fs/cgroup (slurmd refuses to start without one)"

slurm_cluster_stop() {
  local pid jobs=
  # Jobs first, so that no slurmstepd or expt outlives the daemons.
  [[ -n ${slurm_cluster_up:-} ]] && jobs=$(squeue --noheader --format=%A 2>/dev/null | sort -u)
  if [[ -n $jobs ]]; then
    scancel $jobs 2>/dev/null || true
    for _ in $(seq 1 100); do [[ -z $(squeue --noheader 2>/dev/null) ]] && break; sleep 0.1; done
  fi
  for pid in "${slurm_cluster_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${slurm_cluster_pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  slurm_cluster_pids=()
}

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

mkdir -p "$slurm_cluster_dir"/{munge,state,spool,log}
chmod 755 "$1" "$slurm_cluster_dir"
chown munge:munge "$slurm_cluster_dir/munge"
chmod 755 "$slurm_cluster_dir/munge"  # munged wants its socket folder searchable by all
munge_dir=$slurm_cluster_dir/munge
as_munge=(setpriv --reuid=munge --regid=munge --init-groups)  # execs, so $! is munged itself
"${as_munge[@]}" mungekey --create --keyfile="$munge_dir/munge.key" >/dev/null 2>&1 ||
  "${as_munge[@]}" dd if=/dev/urandom of="$munge_dir/munge.key" bs=1024 count=1 status=none
chmod 400 "$munge_dir/munge.key"
"${as_munge[@]}" munged --foreground --socket="$munge_dir/munge.socket" --key-file="$munge_dir/munge.key" \
  --pid-file="$munge_dir/munged.pid" --log-file="$munge_dir/munged.log" --seed-file="$munge_dir/munged.seed" >"$munge_dir/munged.out" 2>&1 &
slurm_cluster_pids+=($!); slurm_cluster_names[$!]=munged

cat > "$slurm_cluster_dir/slurm.conf" <<CONF
ClusterName=expttest
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$munge_dir/munge.socket
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
StateSaveLocation=$slurm_cluster_dir/state
SlurmdSpoolDir=$slurm_cluster_dir/spool
SlurmctldPidFile=$slurm_cluster_dir/slurmctld.pid
SlurmdPidFile=$slurm_cluster_dir/slurmd.pid
SlurmctldLogFile=$slurm_cluster_dir/log/slurmctld.log
SlurmdLogFile=$slurm_cluster_dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
ReturnToService=2
KillWait=5
MinJobAge=600
NodeName=$node NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$slurm_cluster_dir/slurm.conf

slurm_cluster_fail() {
  tail -n 20 "$munge_dir/munged.log" "$slurm_cluster_dir"/log/* 2>/dev/null || true
  echo "FAIL: $* (the daemons' last log lines are above)"
  exit 1
}
for _ in $(seq 1 50); do [[ -S $munge_dir/munge.socket ]] && break; sleep 0.1; done
[[ -S $munge_dir/munge.socket ]] || slurm_cluster_fail "munged did not start"
slurmctld -D -f "$SLURM_CONF" >"$slurm_cluster_dir/log/slurmctld.out" 2>&1 &
slurm_cluster_pids+=($!); slurm_cluster_names[$!]=slurmctld
slurmd -D -f "$SLURM_CONF" >"$slurm_cluster_dir/log/slurmd.out" 2>&1 &
slurm_cluster_pids+=($!); slurm_cluster_names[$!]=slurmd

# Up to 30 s for the node to report idle; a daemon that exits ends the wait at once. Each sinfo
# is bounded too: against a controller that never answers it would retry for minutes.
deadline=$((SECONDS + 30))
until [[ $(timeout 5 sinfo -h -o %t 2>/dev/null) == idle ]]; do
  for pid in "${slurm_cluster_pids[@]}"; do
    kill -0 "$pid" 2>/dev/null || slurm_cluster_fail "${slurm_cluster_names[$pid]} exited while the cluster started"
  done
  (( SECONDS < deadline )) || slurm_cluster_fail "the one-node Slurm cluster did not come up within 30 s"
  sleep 0.2
done
slurm_cluster_up=1
