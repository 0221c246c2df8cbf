"""Loading, version check, statuses, contexts."""
import ctypes
import os
import re

import pytest

import lavoisier_core as lc
from lavoisier_core import _lib

from conftest import REPO


def test_loaded_library_and_version():
    assert lc.version().split(".")[0] == str(_lib.API_MAJOR)
    assert _lib.lv_version_number() // 10000 == _lib.API_MAJOR
    assert os.path.exists(lc.library_path) or lc.library_origin == "system"
    override = os.environ.get("LAVOISIER_LIBRARY")
    if override:
        assert lc.library_origin == "LAVOISIER_LIBRARY" and lc.library_path == override
    elif os.path.exists(os.path.join(os.path.dirname(lc.__file__), _lib.SONAME)):
        # installed from the staged package: its own copy wins over the system soname
        assert lc.library_origin == "package copy"


def test_major_mismatch_is_an_import_error():
    _lib.check_major(_lib.API_MAJOR * 10000 + 1203, "x")  # same major: accepted
    with pytest.raises(ImportError, match="major 7"):
        _lib.check_major(70102, "liblavoisier-test")


def test_every_declared_function_has_prototype_comment():
    # Each lv_* declaration in _lib.py is preceded by its C prototype from lavoisier.h.
    src = open(_lib.__file__).read().splitlines()
    declared = [i for i, line in enumerate(src) if '= _declare("lv_' in line]
    assert len(declared) >= 40
    for i in declared:
        name = src[i].split('"')[1]
        window = "\n".join(src[max(0, i - 4):i])
        assert "# " in window and name + "(" in window, name


def _header_prototypes():
    header = (REPO / "include" / "lavoisier.h").read_text()
    text = re.sub(r"/\*.*?\*/", " ", header, flags=re.S)
    protos = {}
    for m in re.finditer(r"LV_API\s+([^;(]*?)\b(lv_\w+)\s*\(([^)]*)\)\s*;", text):
        ret, name, args = " ".join(m.group(1).split()), m.group(2), m.group(3).strip()
        n_args = 0 if args in ("", "void") else args.count(",") + 1
        protos[name] = (ret, n_args)
    return protos


_RESTYPES = {"void": None, "const char *": ctypes.c_char_p, "uint32_t": ctypes.c_uint32,
             "uint64_t": ctypes.c_uint64, "int32_t": ctypes.c_int32, "lv_device": ctypes.c_int}


def test_declarations_match_the_header():
    protos = _header_prototypes()
    assert len(protos) >= 40
    # every C function of the header is declared, and nothing else
    assert set(protos) == set(_lib.available), set(protos) ^ set(_lib.available)
    for name, (ret, n_args) in protos.items():
        if not _lib.available[name]:
            continue  # declared in the header, not exported by this build: wrapped, skipped here
        fn = getattr(_lib.lib, name)
        assert len(fn.argtypes) == n_args, name
        if ret == "lv_status":
            assert fn.restype is ctypes.c_int and fn.errcheck is not None, name
        else:
            assert fn.restype is _RESTYPES[ret], (name, ret)


# (Structure, its *_params_init, documented defaults read back through the Structure's fields).
# The C side writes the size field with sizeof(lv_..._params) and rejects any other size, so the
# size read back must equal ctypes.sizeof; the defaults check every field's offset and type.
_PARAMS = [
    ("WaveletParams", "lv_wavelet_params_init",
     {"wavelet": 3, "level": 0, "mode": 0, "threshold": -1.0}),
    ("SavgolParams", "lv_savgol_params_init", {"window": 11, "polyorder": 4}),
    ("SnipParams", "lv_snip_params_init", {"iterations": 100, "decreasing": 1}),
    ("NoiseParams", "lv_noise_params_init", {"method": 0}),
    ("ZengezaParams", "lv_zengeza_params_init",
     {"snip.iterations": 100, "snip.decreasing": 1, "wavelet.wavelet": 3,
      "wavelet.threshold": -1.0}),
    ("DenoiseParams", "lv_denoise_params_init",
     {"method": 0, "wavelet.wavelet": 3, "savgol.window": 11, "savgol.polyorder": 4,
      "snip.iterations": 100, "ms_levels": 0xFFFFFFFF}),
    ("CompoundDbParams", "lv_compound_db_params_init",
     {"mapping": b"/usr/share/openms/CHEMISTRY/HMDBMappingFile.tsv",
      "negative_adducts": b"/usr/share/openms/CHEMISTRY/NegativeAdducts.tsv"}),
    ("AnnotateParams", "lv_annotate_params_init",
     {"ppm": 5.0, "sigma_ppm": 2.0, "polarity": 0, "top_k": 5, "no_match_prior": 0.1,
      "adduct_weights": None, "negative_adduct_weights": None, "isotopes": 1,
      "isotope_ppm": 5.0, "isotope_sd_abs": 0.02, "isotope_sd_rel": 0.1, "min_intensity": 0.0,
      "ms_levels": 2}),
    ("FrameParams", "lv_frame_params_init",
     {"mode": 0, "width": 1024, "height": 1024, "mz_min": 100.0, "mz_max": 1000.0,
      "mz_bins": 0, "rt_window": 60.0, "rt_stride": 60.0, "ms_level": 1, "accumulate": 0,
      "scale": 2, "normalize": 0, "norm_value": 1.0, "blur_sigma": 1.0, "colormap": 1,
      "format": 0}),
    ("VideoParams", "lv_video_params_init",
     {"fps": 25.0, "codec": b"libx264", "crf": 18, "ffmpeg": b"ffmpeg"}),
    ("ContextParams", "lv_context_params_init", {}),
    ("ReaderParams", "lv_reader_params_init", {}),
    ("WriterParams", "lv_writer_params_init", {}),
    ("SimulateParams", "lv_simulate_params_init", {}),
    ("LocalmaxParams", "lv_localmax_params_init", {}),
    ("CentroidParams", "lv_centroid_params_init", {}),
]


@pytest.mark.parametrize("struct,init,defaults", _PARAMS, ids=[p[0] for p in _PARAMS])
def test_params_structs_mirror_the_header(struct, init, defaults):
    if not _lib.available.get(init):
        pytest.skip("%s not exported" % init)
    cls = getattr(_lib, struct)
    buf = ctypes.create_string_buffer(b"\xa5" * 1024, 1024)  # larger than any params struct
    getattr(_lib, init)(ctypes.cast(buf, ctypes.POINTER(cls)))
    assert ctypes.c_size_t.from_buffer(buf).value == ctypes.sizeof(cls), struct
    assert buf.raw[ctypes.sizeof(cls):] == b"\xa5" * (1024 - ctypes.sizeof(cls))  # no overrun
    p = cls.from_buffer(buf)
    for path, want in defaults.items():
        obj = p
        for part in path.split("."):
            obj = getattr(obj, part)
        if isinstance(want, float):
            assert obj == pytest.approx(want), (struct, path)
        else:
            assert obj == want, (struct, path, obj)
    for name, typ in cls._fields_:  # nested params carry their own size
        if isinstance(typ, type) and issubclass(typ, ctypes.Structure):
            assert getattr(p, name).size == ctypes.sizeof(typ), (struct, name)


def test_output_structs_have_the_c_size(tmp_path):
    # lv_compound_info, lv_adduct_info and lv_annotation_view have no init: the caller sets size
    # and the C side rejects any size but sizeof(its struct), naming the expected one.
    if not _lib.available.get("lv_annotation_get_view"):
        pytest.skip("no annotation API")
    (tmp_path / "m.tsv").write_text("database_name\tT\ndatabase_version\t1\n0\tC6H12O6\tG\n")
    (tmp_path / "a.tsv").write_text("M+H;1+\n")
    db = lc.CompoundDB(tmp_path / "m.tsv", None, tmp_path / "a.tsv", None)
    ann = lc.annotate(db, [181.07], [1.0])
    calls = {_lib.CompoundInfo: lambda o: _lib.lv_compound_db_get(db.ptr, 0, o),
             _lib.AdductInfo: lambda o: _lib.lv_compound_db_adduct(db.ptr, 1, 0, o),
             _lib.AnnotationView: lambda o: _lib.lv_annotation_get_view(ann._h.ptr, o)}
    for cls, call in calls.items():
        obj = cls()
        obj.size = ctypes.sizeof(cls)
        call(obj)  # accepted
        obj.size = ctypes.sizeof(cls) + 8
        with pytest.raises(lc.LavoisierError) as e:
            call(obj)
        assert "expected %d" % ctypes.sizeof(cls) in e.value.message, e.value.message


def test_import_before_numpy_works():
    # liblavoisier pulls the serial OpenBLAS soname; numpy must be loaded first (see _lib.py).
    import subprocess
    import sys
    res = subprocess.run([sys.executable, "-c", "import lavoisier_core, numpy; "
                          "print(lavoisier_core.version())"], capture_output=True, text=True,
                         timeout=120, env=dict(os.environ))
    assert res.returncode == 0, res.stderr


def test_argtypes_and_restype_set_for_exported_functions():
    for name, present in _lib.available.items():
        if present:
            fn = getattr(_lib.lib, name)
            assert fn.argtypes is not None, name
            # lv_status functions raise through errcheck; the others return their value
            status = fn.errcheck is not None
            assert not status or fn.restype is _lib.ctypes.c_int, name


def test_status_strings():
    assert lc.STATUS["LV_ERR_TRUNCATED"] == 5
    assert _lib.status_string(0)
    assert _lib.status_string(5) != _lib.status_string(6)


def test_context_cpu():
    with lc.Context("cpu", threads=2) as ctx:
        assert ctx.device == "cpu"
        assert ctx.backend_name == "cpu"
        assert ctx.threads == 2
    assert ctx.closed
    with pytest.raises(ValueError):
        ctx.ptr
    ctx.close()  # twice is harmless


def test_cuda_request_without_device_raises():
    if lc.cuda_device_count() > 0:
        pytest.skip("a CUDA device is present")
    with pytest.raises(lc.LavoisierError) as e:
        lc.Context("cuda")
    assert e.value.name == "LV_ERR_UNSUPPORTED" and e.value.message


def test_bad_device_name():
    with pytest.raises(ValueError):
        lc.Context("tpu")


def test_missing_optional_symbol_raises_unsupported():
    missing = [n for n, ok in _lib.available.items() if not ok]
    if not missing:
        pytest.skip("the loaded library exports every declared function")
    with pytest.raises(lc.LavoisierError) as e:
        getattr(_lib, missing[0])()
    assert e.value.name == "LV_ERR_UNSUPPORTED" and missing[0] in str(e.value)
