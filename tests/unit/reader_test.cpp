// reader_test.cpp - the reader on small hand-made documents: every error path names the file,
// the byte offset, the record and the failed check; indexes are verified or rebuilt.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "lavoisier.h"
#include "test_support.h"

namespace
{

std::string b64(const void *data, size_t n)
{
    static const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)data;
    std::string out;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        out += t[v >> 18 & 63];
        out += t[v >> 12 & 63];
        out += i + 1 < n ? t[v >> 6 & 63] : '=';
        out += i + 2 < n ? t[v & 63] : '=';
    }
    return out;
}

std::string array_xml(const char *type_acc, const std::string &payload, size_t len,
                      const char *precision = "MS:1000523")
{
    return "<binaryDataArray encodedLength=\"" + std::to_string(payload.size()) +
           "\"><cvParam cvRef=\"MS\" accession=\"" + precision +
           "\" name=\"p\"/><cvParam cvRef=\"MS\" accession=\"MS:1000576\" name=\"no compression\"/>"
           "<cvParam cvRef=\"MS\" accession=\"" +
           type_acc + "\" name=\"t\"/><binary>" + payload + "</binary></binaryDataArray>" +
           (len ? "" : "");
}

std::string spectrum_xml(int index, const std::vector<double> &mz, const std::vector<double> &in,
                         double rt_minutes = 1.5, const std::string &mz_payload_override = "")
{
    std::string mzp =
        mz_payload_override.empty() ? b64(mz.data(), mz.size() * 8) : mz_payload_override;
    return "<spectrum index=\"" + std::to_string(index) +
           "\" id=\"scan=" + std::to_string(index + 1) + "\" defaultArrayLength=\"" +
           std::to_string(mz.size()) +
           "\">\n<cvParam cvRef=\"MS\" accession=\"MS:1000511\" name=\"ms level\" value=\"2\"/>"
           "<cvParam cvRef=\"MS\" accession=\"MS:1000127\" name=\"centroid spectrum\"/>"
           "<cvParam cvRef=\"MS\" accession=\"MS:1000129\" name=\"negative scan\"/>"
           "<scanList count=\"1\"><scan><cvParam cvRef=\"MS\" accession=\"MS:1000016\" "
           "name=\"scan start time\" value=\"" +
           std::to_string(rt_minutes) +
           "\" unitAccession=\"UO:0000031\" unitName=\"minute\"/></scan></scanList>"
           "<precursorList count=\"1\"><precursor><selectedIonList count=\"1\"><selectedIon>"
           "<cvParam cvRef=\"MS\" accession=\"MS:1000744\" name=\"selected ion m/z\" "
           "value=\"445.3\"/><cvParam cvRef=\"MS\" accession=\"MS:1000041\" name=\"charge state\" "
           "value=\"2\"/></selectedIon></selectedIonList></precursor></precursorList>\n"
           "<binaryDataArrayList count=\"2\">" +
           array_xml("MS:1000514", mzp, mz.size()) +
           array_xml("MS:1000515", b64(in.data(), in.size() * 8), in.size()) +
           "</binaryDataArrayList></spectrum>\n";
}

const char *HEAD = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<mzML "
                   "xmlns=\"http://psi.hupo.org/ms/mzml\" version=\"1.1.0\">\n<run id=\"r\">\n";

std::string plain_doc(const std::vector<std::string> &spectra)
{
    std::string d = HEAD;
    d += "<spectrumList count=\"" + std::to_string(spectra.size()) + "\">\n";
    for (auto &s : spectra)
        d += s;
    d += "</spectrumList>\n</run>\n</mzML>\n";
    return d;
}

// An indexedmzML wrapper with offsets computed from the document (shift adds an error).
std::string indexed_doc(const std::vector<std::string> &spectra, long shift = 0)
{
    std::string d = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<indexedmzML "
                    "xmlns=\"http://psi.hupo.org/ms/mzml\">\n<mzML version=\"1.1.0\">\n"
                    "<run id=\"r\">\n<spectrumList count=\"" +
                    std::to_string(spectra.size()) + "\">\n";
    std::vector<size_t> offs;
    for (auto &s : spectra) {
        offs.push_back(d.size());
        d += s;
    }
    d += "</spectrumList>\n</run>\n</mzML>\n";
    size_t il = d.size();
    d += "<indexList count=\"1\">\n<index name=\"spectrum\">\n";
    for (size_t i = 0; i < offs.size(); i++)
        d += "<offset idRef=\"scan=" + std::to_string(i + 1) + "\">" +
             std::to_string((long)offs[i] + shift) + "</offset>\n";
    d += "</index>\n</indexList>\n<indexListOffset>" + std::to_string(il) +
         "</indexListOffset>\n<fileChecksum>0</fileChecksum>\n</indexedmzML>\n";
    return d;
}

std::string write_temp(const std::string &name, const std::string &content)
{
    std::string path = lvtest::temp_dir() + "/" + name;
    lvtest::write_file(path, content);
    return path;
}

struct Opened {
    lv_reader *r = nullptr;
    lv_status st;
    explicit Opened(const std::string &path, const lv_reader_params *p = nullptr)
    {
        st = lv_reader_open(path.c_str(), p, &r);
    }
    ~Opened() { lv_reader_close(r); }
};

const std::vector<double> MZ = {100.5, 200.25, 300.125};
const std::vector<double> IN = {10, 20, 5};

TEST(Reader, ReadsPlainDocumentMetadataAndArrays)
{
    std::string path = write_temp(
        "plain.mzML", plain_doc({spectrum_xml(0, MZ, IN, 1.5), spectrum_xml(1, MZ, IN, 2.0)}));
    Opened o(path);
    ASSERT_EQ(o.st, LV_OK) << lv_last_error();
    lv_file_info fi{};
    fi.size = sizeof fi;
    ASSERT_EQ(lv_reader_info(o.r, &fi), LV_OK);
    EXPECT_EQ(fi.n_spectra, 2u);
    EXPECT_EQ(fi.index_state, LV_INDEX_NONE);
    EXPECT_STREQ(fi.mzml_version, "1.1.0");
    lv_batch *b = nullptr;
    ASSERT_EQ(lv_reader_read(o.r, LV_RECORD_SPECTRUM, 1, 1, &b), LV_OK) << lv_last_error();
    lv_batch_view v{};
    v.size = sizeof v;
    ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
    EXPECT_EQ(v.n_points, 3u);
    EXPECT_EQ(v.mz[2], 300.125);
    EXPECT_EQ(v.intensity[1], 20.0f);
    EXPECT_EQ(v.ms_level[0], 2);
    EXPECT_EQ(v.polarity[0], -1);
    EXPECT_EQ(v.representation[0], LV_REPR_CENTROID);
    EXPECT_DOUBLE_EQ(v.rt_seconds[0], 120.0);
    EXPECT_DOUBLE_EQ(v.precursor_mz[0], 445.3);
    EXPECT_EQ(v.precursor_charge[0], 2);
    EXPECT_STREQ(lv_batch_id(b, 0), "scan=2");
    lv_batch_destroy(b);
    uint64_t idx = 0, first = 0, count = 0;
    EXPECT_EQ(lv_reader_find_id(o.r, LV_RECORD_SPECTRUM, "scan=2", &idx), LV_OK);
    EXPECT_EQ(idx, 1u);
    EXPECT_EQ(lv_reader_find_id(o.r, LV_RECORD_SPECTRUM, "scan=9", &idx), LV_ERR_NOT_FOUND);
    ASSERT_EQ(lv_reader_find_rt(o.r, 100.0, 125.0, &first, &count), LV_OK);
    EXPECT_EQ(first, 1u);
    EXPECT_EQ(count, 1u);
}

TEST(Reader, ValidIndexIsUsedAndStaleIndexRebuilt)
{
    auto spectra = std::vector<std::string>{spectrum_xml(0, MZ, IN), spectrum_xml(1, MZ, IN)};
    {
        Opened o(write_temp("indexed.mzML", indexed_doc(spectra)));
        ASSERT_EQ(o.st, LV_OK) << lv_last_error();
        lv_file_info fi{};
        fi.size = sizeof fi;
        lv_reader_info(o.r, &fi);
        EXPECT_EQ(fi.index_state, LV_INDEX_VALID) << fi.index_message;
        EXPECT_EQ(fi.n_spectra, 2u);
    }
    {
        Opened o(write_temp("stale.mzML", indexed_doc(spectra, 7)));
        ASSERT_EQ(o.st, LV_OK) << lv_last_error();
        lv_file_info fi{};
        fi.size = sizeof fi;
        lv_reader_info(o.r, &fi);
        EXPECT_EQ(fi.index_state, LV_INDEX_REBUILT_STALE);
        EXPECT_NE(std::string(fi.index_message).find("does not land"), std::string::npos)
            << fi.index_message;
        EXPECT_EQ(fi.n_spectra, 2u);
        lv_batch *b = nullptr;
        ASSERT_EQ(lv_reader_read(o.r, LV_RECORD_SPECTRUM, 0, 2, &b), LV_OK) << lv_last_error();
        lv_batch_destroy(b);
    }
}

TEST(Reader, IndexOmittingTheLastSpectrumIsRebuilt)
{
    auto spectra = std::vector<std::string>{spectrum_xml(0, MZ, IN), spectrum_xml(1, MZ, IN)};
    std::string doc = indexed_doc(spectra);
    size_t at = doc.find("<offset idRef=\"scan=2\"");
    size_t end = doc.find('\n', at);
    doc.erase(at, end - at + 1);
    Opened o(write_temp("omit.mzML", doc));
    ASSERT_EQ(o.st, LV_OK) << lv_last_error();
    lv_file_info fi{};
    fi.size = sizeof fi;
    lv_reader_info(o.r, &fi);
    EXPECT_EQ(fi.index_state, LV_INDEX_REBUILT_STALE) << fi.index_message;
    EXPECT_EQ(fi.n_spectra, 2u);
}

TEST(Reader, CorruptInputsFailWithContext)
{
    struct Case {
        const char *name;
        std::string doc;
        lv_status want;
        const char *needle;
    };
    std::string good = spectrum_xml(0, MZ, IN);
    std::vector<Case> cases = {
        {"badb64.mzML", plain_doc({spectrum_xml(0, MZ, IN, 1.5, "AAAA!AAA")}), LV_ERR_BASE64,
         "scan=1"},
        {"short.mzML", plain_doc({spectrum_xml(0, MZ, IN, 1.5, b64(MZ.data(), 16))}),
         LV_ERR_ARRAY_LENGTH, "m/z array"},
        {"truncated.mzML",
         plain_doc({good}).substr(0, std::string(HEAD).size() + 40 + good.size() / 2),
         LV_ERR_TRUNCATED, "spectrum 0"},
    };
    for (auto &c : cases) {
        SCOPED_TRACE(c.name);
        std::string path = write_temp(c.name, c.doc);
        lv_reader *r = nullptr;
        lv_status st = lv_reader_open(path.c_str(), nullptr, &r);
        lv_batch *b = nullptr;
        if (st == LV_OK) st = lv_reader_next(r, &b);
        EXPECT_EQ(st, c.want) << lv_last_error();
        std::string msg = lv_last_error();
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find("byte"), std::string::npos) << msg;
        EXPECT_NE(msg.find(c.needle), std::string::npos) << msg;
        lv_batch_destroy(b);
        lv_reader_close(r);
    }
}

/* The record splitter trusts encodedLength only where it lands on a '<': any other value falls back
 * to scanning, and a value that lands on a later '<' cannot hide markup, because the decoder then
 * meets that '<' inside the payload. */
TEST(Reader, EncodedLengthIsCheckedNotTrusted)
{
    std::string good = spectrum_xml(0, MZ, IN);
    std::string attr =
        "encodedLength=\"" + std::to_string(b64(MZ.data(), MZ.size() * 8).size()) + "\"";
    ASSERT_NE(good.find(attr), std::string::npos);
    auto with_length = [&](const std::string &value) {
        std::string s = good;
        s.replace(s.find(attr), attr.size(), "encodedLength=\"" + value + "\"");
        return plain_doc({s});
    };
    size_t n = b64(MZ.data(), MZ.size() * 8).size();
    /* "</binary>" is 9 bytes: n + 9 is the '<' of "</binaryDataArray>" */
    for (std::string value : {std::to_string(n - 4), std::to_string(n + 1), std::string("x12"),
                              std::string("99999999999"), std::string("")}) {
        SCOPED_TRACE(value);
        Opened o(write_temp("enclen_ok.mzML", with_length(value)));
        ASSERT_EQ(o.st, LV_OK) << lv_last_error();
        lv_batch *b = nullptr;
        ASSERT_EQ(lv_reader_next(o.r, &b), LV_OK) << lv_last_error();
        lv_batch_view v{};
        v.size = sizeof v;
        ASSERT_EQ(lv_batch_get_view(b, &v), LV_OK);
        ASSERT_EQ(v.n_points, 3u);
        EXPECT_EQ(v.mz[2], 300.125);
        EXPECT_EQ(v.intensity[1], 20.0f);
        lv_batch_destroy(b);
    }
    /* Landing on the '<' of "</binaryDataArray>" leaves <binary> unclosed: an XML error.
     * Landing on the second array's "</binary>" keeps the markup well formed but swallows the
     * first array's end tags: the decoder meets their '<'. */
    size_t payload = good.find("<binary>") + 8;
    size_t second_end = good.find("</binary>", good.find("</binary>") + 1);
    struct Lie {
        size_t length;
        lv_status want;
        const char *needle;
    };
    for (Lie lie :
         {Lie{n + 9, LV_ERR_XML, "binary"}, Lie{second_end - payload, LV_ERR_BASE64, "'<'"}}) {
        SCOPED_TRACE(lie.length);
        std::string path = write_temp("enclen_bad.mzML", with_length(std::to_string(lie.length)));
        Opened o(path);
        lv_status st = o.st;
        lv_batch *b = nullptr;
        if (st == LV_OK) st = lv_reader_next(o.r, &b);
        EXPECT_EQ(st, lie.want) << lv_last_error();
        std::string msg = lv_last_error();
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find("scan=1"), std::string::npos) << msg;
        EXPECT_NE(msg.find(lie.needle), std::string::npos) << msg;
        lv_batch_destroy(b);
    }
}

TEST(Reader, OpenErrors)
{
    lv_reader *r = nullptr;
    EXPECT_EQ(lv_reader_open("/nonexistent/x.mzML", nullptr, &r), LV_ERR_IO);
    EXPECT_NE(std::string(lv_last_error()).find("/nonexistent/x.mzML"), std::string::npos);
    EXPECT_EQ(lv_reader_open(write_temp("empty.mzML", "").c_str(), nullptr, &r), LV_ERR_EMPTY_FILE);
    EXPECT_EQ(lv_reader_open(write_temp("junk.mzML", "hello, not xml").c_str(), nullptr, &r),
              LV_ERR_XML);
    EXPECT_EQ(lv_reader_open(write_temp("other.xml", "<?xml version=\"1.0\"?><html/>").c_str(),
                             nullptr, &r),
              LV_ERR_FORMAT);
    EXPECT_NE(std::string(lv_last_error()).find("<html>"), std::string::npos) << lv_last_error();
    EXPECT_EQ(
        lv_reader_open(write_temp("bad.mzML", std::string(HEAD) + "<spectrumList><x></y>").c_str(),
                       nullptr, &r) == LV_OK,
        true); // the header is fine; the broken markup is met when reading
    lv_reader_close(r);
    r = nullptr;
    EXPECT_EQ(lv_reader_open(nullptr, nullptr, &r), LV_ERR_INVALID_ARGUMENT);
    lv_reader_params p;
    lv_reader_params_init(&p);
    p.size = 3;
    EXPECT_EQ(lv_reader_open("x", &p, &r), LV_ERR_INVALID_ARGUMENT);
    lv_reader_close(nullptr);
    lv_batch_destroy(nullptr);
}

TEST(Reader, RefusesDoctypeAndEntities)
{
    std::string xxe = "<?xml version=\"1.0\"?>\n<!DOCTYPE mzML [<!ENTITY x SYSTEM "
                      "\"file:///etc/passwd\"><!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
                      "\"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n<mzML version=\"&b;&x;\"><run "
                      "id=\"r\"></run></mzML>";
    lv_reader *r = nullptr;
    EXPECT_EQ(lv_reader_open(write_temp("xxe.mzML", xxe).c_str(), nullptr, &r), LV_ERR_FORMAT);
    EXPECT_NE(std::string(lv_last_error()).find("DOCTYPE"), std::string::npos) << lv_last_error();
}

TEST(Reader, MalformedRecordMarkupIsAnXmlError)
{
    std::string bad = spectrum_xml(0, MZ, IN);
    size_t at = bad.find("<scanList");
    bad.insert(at, "<cvParam cvRef=\"MS\" accession=\"MS:1000511\" value=\"1\"");
    std::string path = write_temp("malformed.mzML", plain_doc({bad}));
    Opened o(path);
    ASSERT_EQ(o.st, LV_OK) << lv_last_error();
    lv_batch *b = nullptr;
    EXPECT_EQ(lv_reader_next(o.r, &b), LV_ERR_XML);
    EXPECT_NE(std::string(lv_last_error()).find("libxml2"), std::string::npos) << lv_last_error();
    EXPECT_NE(std::string(lv_last_error()).find("spectrum 0 'scan=1'"), std::string::npos)
        << lv_last_error();
}

// Record markup reaches libxml2 without the blanks between tags; a failing record is parsed
// again as written, so libxml2's line numbers still count the record's own lines.
TEST(Reader, MarkupErrorsKeepTheRecordsLineNumbers)
{
    std::string bad = "<spectrum index=\"0\" id=\"scan=1\" defaultArrayLength=\"0\">\n"
                      "  <cvParam cvRef=\"MS\" accession=\"MS:1000511\" value=\"1\"/>\n"
                      "  <scanList count=\"1\">\n"
                      "    <scan>\n"
                      "  </scanList>\n"
                      "</spectrum>\n";
    std::string path = write_temp("lines.mzML", plain_doc({bad}));
    Opened o(path);
    ASSERT_EQ(o.st, LV_OK) << lv_last_error();
    lv_batch *b = nullptr;
    EXPECT_EQ(lv_reader_next(o.r, &b), LV_ERR_XML);
    std::string e = lv_last_error();
    EXPECT_NE(e.find("Opening and ending tag mismatch: scan line 4 and scanList (markup line 5)"),
              std::string::npos)
        << e;
}

TEST(Reader, StreamsInBudgetedBatchesAndSeeks)
{
    std::vector<std::string> spectra;
    for (int i = 0; i < 50; i++)
        spectra.push_back(spectrum_xml(i, MZ, IN, 0.1 * i));
    std::string path = write_temp("many.mzML", indexed_doc(spectra));
    lv_reader_params p;
    lv_reader_params_init(&p);
    p.batch_points = 7; // two spectra of 3 points per batch
    Opened o(path, &p);
    ASSERT_EQ(o.st, LV_OK) << lv_last_error();
    uint64_t total = 0, batches = 0;
    for (lv_batch *b = nullptr; lv_reader_next(o.r, &b) == LV_OK && b; batches++) {
        EXPECT_LE(lv_batch_count(b), 2u);
        total += lv_batch_count(b);
        lv_batch_destroy(b);
    }
    EXPECT_EQ(total, 50u);
    EXPECT_EQ(batches, 25u);
    ASSERT_EQ(lv_reader_seek(o.r, 49), LV_OK);
    lv_batch *b = nullptr;
    ASSERT_EQ(lv_reader_next(o.r, &b), LV_OK);
    ASSERT_NE(b, nullptr);
    EXPECT_STREQ(lv_batch_id(b, 0), "scan=50");
    lv_batch_destroy(b);
    EXPECT_EQ(lv_reader_read(o.r, LV_RECORD_SPECTRUM, 49, 2, &b), LV_ERR_NOT_FOUND);
}

TEST(Reader, ReadsFromAPipe)
{
    std::string path = write_temp("pipe_src.mzML", plain_doc({spectrum_xml(0, MZ, IN)}));
    std::string fifo = lvtest::temp_dir() + "/fifo.mzML";
    std::string cmd =
        "rm -f '" + fifo + "' && mkfifo '" + fifo + "' && (cat '" + path + "' > '" + fifo + "' &)";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
    Opened o(fifo);
    ASSERT_EQ(o.st, LV_OK) << lv_last_error();
    lv_batch *b = nullptr;
    ASSERT_EQ(lv_reader_next(o.r, &b), LV_OK) << lv_last_error();
    EXPECT_EQ(lv_batch_count(b), 1u);
    lv_batch_destroy(b);
}

} // namespace
