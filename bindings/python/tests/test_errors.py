"""Every failing C call raises LavoisierError carrying lv_last_error(): the file, the byte offset,
the record and the failed check.  Offsets are checked against positions found independently in the
file bytes."""
import numpy as np
import pytest

import lavoisier_core as lc


def _read_all(path):
    with lc.open(path) as r:
        for b in r:
            b.close()


def test_truncated_file_names_file_and_offset(sim_file, tmp_path):
    data = open(sim_file, "rb").read()
    cut = len(data) // 2
    path = tmp_path / "truncated.mzML"
    path.write_bytes(data[:cut])
    start = data.rfind(b"<spectrum ", 0, cut)  # the record the file now ends inside
    with pytest.raises(lc.LavoisierError) as e:
        _read_all(str(path))
    err = e.value
    assert err.name == "LV_ERR_TRUNCATED" and err.status == lc.STATUS["LV_ERR_TRUNCATED"]
    assert str(path) in err.message and "byte %d" % start in err.message
    assert str(path) in str(err)


def test_corrupt_base64_names_file_and_offset(sim_file, tmp_path):
    data = bytearray(open(sim_file, "rb").read())
    payload = data.find(b"<binary>", len(data) // 3) + len(b"<binary>")
    data[payload:payload + 4] = b"!!!!"
    path = tmp_path / "bad_base64.mzML"
    path.write_bytes(bytes(data))
    with pytest.raises(lc.LavoisierError) as e:
        _read_all(str(path))
    assert e.value.name == "LV_ERR_BASE64"
    assert str(path) in e.value.message and "byte %d" % payload in e.value.message


def test_real_corrupt_numpress_file(data_dir):
    path = data_dir / "openms__FileFilter_39_input_corrupt.mzML"
    data = path.read_bytes()
    payload = data.find(b"<binary>") + len(b"<binary>")  # the m/z array of spectrum 0
    with pytest.raises(lc.LavoisierError) as e:
        _read_all(str(path))
    msg = e.value.message
    assert e.value.name == "LV_ERR_NUMPRESS"
    assert str(path) in msg and "byte %d" % payload in msg and "spectrum=1" in msg


def test_real_empty_file(data_dir):
    with pytest.raises(lc.LavoisierError) as e:
        lc.open(str(data_dir / "openms__empty.mzML"))
    assert e.value.name == "LV_ERR_EMPTY_FILE" and "openms__empty.mzML" in e.value.message


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.mzML"
    empty.write_bytes(b"")
    with pytest.raises(lc.LavoisierError) as e:
        lc.open(str(empty))
    assert e.value.name == "LV_ERR_EMPTY_FILE"
    with pytest.raises(lc.LavoisierError) as e:
        lc.open(str(tmp_path / "missing.mzML"))
    assert e.value.name == "LV_ERR_IO" and "missing.mzML" in e.value.message


def test_out_of_range_read_is_not_found(sim_file):
    with lc.open(sim_file) as r:
        with pytest.raises(lc.LavoisierError) as e:
            r.read(len(r), 5)
        assert e.value.name == "LV_ERR_NOT_FOUND" and sim_file in e.value.message
        assert e.value.function == "lv_reader_read"


def test_error_message_is_per_thread_and_cleared_by_success(sim_file):
    # lv_last_error() is thread-local: an error in another thread does not change ours.
    import threading
    from lavoisier_core import _lib
    with pytest.raises(lc.LavoisierError):
        lc.open("/nonexistent/a.mzML")
    mine = _lib.last_error()
    t = threading.Thread(target=lambda: pytest.raises(lc.LavoisierError, lc.open, "/nope/b"))
    t.start()
    t.join()
    assert _lib.last_error() == mine and "a.mzML" in mine


def test_invalid_argument_from_c():
    from lavoisier_core import _lib
    with pytest.raises(lc.LavoisierError) as e:
        _lib.lv_saxpy(None, 3, 1.0, None, None, None)
    assert e.value.name == "LV_ERR_INVALID_ARGUMENT" and "ctx is NULL" in e.value.message
    with pytest.raises(ValueError):  # shapes are checked in Python before C sees the pointers
        lc.saxpy(1.0, np.zeros(3), np.zeros(4))
