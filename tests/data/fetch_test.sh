#!/usr/bin/env bash
# `expt data fetch oxford_pets --url` against range_server.py on 127.0.0.1: archives in the
# real layout are downloaded, resumed after cut connections (HTTP Range), unpacked, and the
# result loads as data.root.
set -uo pipefail
expt=$1 server=$2
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [[ -f $work/log ]] && cat "$work/log"; exit 1; }

start_server() {  # extra arguments go to the server
  [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -f "$work/port"
  python3 "$server" "$work/served" "$work/port" "$work/log" "$@" &
  server_pid=$!
  for _ in $(seq 100); do [[ -s $work/port ]] && break; sleep 0.1; done
  [[ -s $work/port ]] || fail "the server did not start"
  url="http://127.0.0.1:$(cat "$work/port")/"
}

# Two archives as the real ones unpack: images/*.jpg and annotations/*.txt. Random bytes make
# the images archive large enough (about 1 MiB) to be cut half-way.
mkdir -p "$work/src/images" "$work/src/annotations" "$work/served"
head -c 1000000 /dev/urandom > "$work/src/images/noise.bin"
printf '#Image CLASS-ID SPECIES BREED ID\nshiba_inu_1 32 2 1\n' > "$work/src/annotations/list.txt"
tar -C "$work/src" -czf "$work/served/images.tar.gz" images
tar -C "$work/src" -czf "$work/served/annotations.tar.gz" annotations

# 1. Every first response cut in half: the retries resume with Range and finish in one call.
start_server --cut-first 2
out=$("$expt" data fetch oxford_pets --dest "$work/pets" --url "$url" 2>&1) || fail "fetch with cut connections: $out"
grep -q "images.tar.gz bytes=[1-9]" "$work/log" || fail "no resumed (Range) request for images.tar.gz"
cmp -s "$work/served/images.tar.gz" "$work/pets/images.tar.gz" || fail "images.tar.gz differs after resuming"
cmp -s "$work/src/images/noise.bin" "$work/pets/images/noise.bin" || fail "images/ not unpacked"
cmp -s "$work/src/annotations/list.txt" "$work/pets/annotations/list.txt" || fail "annotations/ not unpacked"
grep -q "data.root=$work/pets" <<<"$out" || fail "the data.root to use is not printed: $out"

# 2. A call that gives up keeps the .part file; the next call resumes from it.
rm -rf "$work/pets" "$work/log"
start_server --cut-first 100
"$expt" data fetch oxford_pets --dest "$work/pets" --url "$url" >"$work/out" 2>&1; code=$?
[[ $code -ne 0 ]] || fail "fetch succeeded although every response was cut"
grep -q "run the same command again to resume" "$work/out" || fail "no resume hint: $(cat "$work/out")"
part_size=$(stat -c %s "$work/pets/images.tar.gz.part") || fail "no .part file kept"
[[ $part_size -gt 0 ]] || fail "the .part file is empty"
start_server
"$expt" data fetch oxford_pets --dest "$work/pets" --url "$url" >"$work/out" 2>&1 || fail "second fetch: $(cat "$work/out")"
grep -q "images.tar.gz bytes=$part_size-" "$work/log" || fail "the second call did not resume at $part_size"
cmp -s "$work/served/images.tar.gz" "$work/pets/images.tar.gz" || fail "images.tar.gz differs after a resumed call"

# 3. A third call downloads and unpacks nothing.
: > "$work/log"
"$expt" data fetch oxford_pets --dest "$work/pets" --url "$url" >"$work/out" 2>&1 || fail "third fetch: $(cat "$work/out")"
[[ ! -s $work/log ]] || fail "a complete fetch requested again: $(cat "$work/log")"

# 4. A missing file is an error naming the URL.
rm -rf "$work/other"
mv "$work/served/annotations.tar.gz" "$work/served/gone.tar.gz"
"$expt" data fetch oxford_pets --dest "$work/other" --url "$url" >"$work/out" 2>&1; code=$?
[[ $code -eq 4 ]] || fail "missing archive: exit $code, expected 4"
grep -q "annotations.tar.gz" "$work/out" || fail "missing archive not named: $(cat "$work/out")"
# 5. Only regular files and folders are unpacked: a symbolic link out of the destination, a FIFO
# and a device node are skipped (and named), also from an archive rejected further on.
python3 - "$work/served" <<'PY'
import io, sys, tarfile
def archive(name, entries):
    with tarfile.open(f"{sys.argv[1]}/{name}", "w:gz") as tar:
        for path, kind, extra in entries:
            info = tarfile.TarInfo(path)
            info.type = kind
            data = b""
            if kind == tarfile.SYMTYPE: info.linkname = extra
            if kind == tarfile.CHRTYPE: info.devmajor, info.devminor = 1, 3  # /dev/null's numbers
            if kind == tarfile.REGTYPE: data = extra; info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
archive("images.tar.gz", [("images", tarfile.DIRTYPE, None), ("images/a.jpg", tarfile.REGTYPE, b"jpeg"),
                          ("images/passwd.jpg", tarfile.SYMTYPE, "/etc/passwd"),
                          ("images/fifo.jpg", tarfile.FIFOTYPE, None), ("images/null.jpg", tarfile.CHRTYPE, None)])
archive("annotations.tar.gz", [("annotations/list.txt", tarfile.SYMTYPE, "/etc/passwd"),
                               ("../outside.txt", tarfile.REGTYPE, b"escape")])
PY
"$expt" data fetch oxford_pets --dest "$work/hostile" --url "$url" >"$work/out" 2>&1; code=$?
[[ $code -eq 4 ]] || fail "an archive with an entry outside the destination: exit $code, expected 4: $(cat "$work/out")"
grep -q "'../outside.txt'" "$work/out" || fail "the escaping entry is not named: $(cat "$work/out")"
[[ -f $work/hostile/images/a.jpg ]] || fail "the regular file was not unpacked"
for skipped in images/passwd.jpg images/fifo.jpg images/null.jpg annotations/list.txt; do
  [[ -e $work/hostile/$skipped || -L $work/hostile/$skipped ]] && fail "$skipped was unpacked: $(ls -l "$work/hostile/$skipped")"
  grep -q "skipped '$skipped': not a regular file or folder" "$work/out" || fail "$skipped is not named as skipped"
done
[[ ! -e $work/outside.txt ]] || fail "an entry was written outside the destination"

echo "fetch downloads, resumes with Range, unpacks, skips links and special files, and reports data.root"
