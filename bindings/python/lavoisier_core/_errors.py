"""The one exception type of the package."""

#: lv_status numbers (include/lavoisier.h; fixed forever, only appended).
STATUS_NAMES = {
    0: "LV_OK", 1: "LV_ERR_INVALID_ARGUMENT", 2: "LV_ERR_NO_MEMORY", 3: "LV_ERR_IO",
    4: "LV_ERR_EMPTY_FILE", 5: "LV_ERR_TRUNCATED", 6: "LV_ERR_XML", 7: "LV_ERR_FORMAT",
    8: "LV_ERR_BASE64", 9: "LV_ERR_ZLIB", 10: "LV_ERR_GZIP", 11: "LV_ERR_NUMPRESS",
    12: "LV_ERR_ARRAY_LENGTH", 13: "LV_ERR_NOT_FOUND", 14: "LV_ERR_UNSUPPORTED", 15: "LV_ERR_CUDA",
    16: "LV_ERR_INTERNAL",
}
STATUS = {v: k for k, v in STATUS_NAMES.items()}


class LavoisierError(Exception):
    """A call into liblavoisier failed.

    Attributes: ``status`` (the lv_status number), ``name`` (e.g. "LV_ERR_TRUNCATED"),
    ``description`` (lv_status_string), ``message`` (lv_last_error(): it names the file, the byte
    offset, the record and the check that failed) and ``function`` (the C function called)."""

    def __init__(self, status, description, message, function):
        self.status = int(status)
        self.name = STATUS_NAMES.get(self.status, "LV_STATUS_%d" % self.status)
        self.description = description
        self.message = message
        self.function = function
        text = message or description
        if not text.startswith(function + ":"):  # most C messages already start with it
            text = "%s: %s" % (function, text)
        super().__init__("%s (%s)" % (text, self.name))


def _raise_missing(name, path):
    """A stand-in for a C function that the loaded library does not export (yet): calling it
    raises LavoisierError with LV_ERR_UNSUPPORTED and says which library lacks what."""

    def missing(*_args):
        raise LavoisierError(STATUS["LV_ERR_UNSUPPORTED"], "unsupported",
                             "%s does not export %s (a newer liblavoisier is needed)" % (path, name),
                             name)

    missing.__name__ = name
    missing.lv_missing = True
    return missing
