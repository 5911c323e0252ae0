import concurrent.futures
import json
import multiprocessing

from ansible_collections.fortifleet.auth.plugins.module_utils._fortitoken import fortitoken_license as lic


def _write(args):
    path, index = args
    lic._remember(path, "key%03d" % index, {"tokens": ["FTKMOB%010d" % index]})


def test_parallel_writers_lose_no_entry(tmp_path):
    path = str(tmp_path / "memory.json")
    with multiprocessing.Pool(8) as pool:
        pool.map(_write, [(path, i) for i in range(64)])
    with open(path) as handle:
        data = json.load(handle)
    assert len(data) == 64


def test_parallel_threads_lose_no_entry(tmp_path):
    """A fleet run writes the memory from threads of one process: flock holds per open file, so threads wait too."""
    path = str(tmp_path / "memory.json")
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(_write, [(path, i) for i in range(64)]))
    with open(path) as handle:
        data = json.load(handle)
    assert len(data) == 64


def test_key_never_contains_the_code():
    code = "DA8C-0508-1F31-4CF7-C990"
    key = lic._key("FGVM01TEST", code)
    assert code not in key and code.replace("-", "") not in key.upper()
    assert key != lic._key("FGVM02TEST", code)  # salted per device
