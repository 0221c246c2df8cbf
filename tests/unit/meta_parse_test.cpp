// meta_parse_test.cpp - one record's markup through lv_record_split and lv_meta_parse: the
// facts kept do not depend on attribute order, quoting, whitespace or entity references (libxml2
// decodes those), and only exact accessions count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "io/mzml.h"

namespace
{

struct Parsed {
    lv_status st = LV_OK;
    std::string error;
    lv_record_meta m{};
    ~Parsed() { lv_record_meta_free(&m); }
};

// Every fact of a parsed record, as text (to compare two parses).
std::string facts(const lv_record_meta &m)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s|%llu|%u|%d|%u|%d|%.17g|%.17g|%.17g|%u", m.id ? m.id : "(null)",
             (unsigned long long)m.default_length, m.ms_level, m.polarity, m.representation,
             m.precursor_charge, m.rt_seconds, m.precursor_mz, m.precursor_intensity, m.n_arrays);
    std::string out = buf;
    for (uint32_t a = 0; a < m.n_arrays; a++) {
        const lv_array_meta &x = m.arrays[a];
        snprintf(buf, sizeof buf, "|%d,%d,%d,%d,%d,%d,%llu,%llu,%llu,%g,%s", x.role, x.enc.dtype,
                 x.enc.dtype_known, x.enc.zlib, x.enc.numpress, x.has_compression_term,
                 (unsigned long long)x.length, (unsigned long long)x.payload_off,
                 (unsigned long long)x.payload_len, x.time_scale, x.name);
        out += buf;
    }
    return out;
}

// Splits and parses `record` (a whole <spectrum> or <chromatogram> element).  The parser is used
// three times: its first record goes through strcmp name matching, later ones (once a start tag
// has shown libxml2's names to be interned) through pointer comparison; all must agree.
void parse(const std::string &record, Parsed &out, const lv_mzml_header *header = nullptr,
           lv_record_kind kind = LV_RECORD_SPECTRUM)
{
    lv_bytes markup{};
    lv_span_list spans{};
    size_t end = 0;
    const uint8_t *p = (const uint8_t *)record.data();
    out.st = lv_record_split(p, record.size(), kind, 1, &markup, &spans, &end);
    if (out.st == LV_OK) {
        lv_meta_parser *mp = nullptr;
        out.st = lv_meta_parser_create(header, &mp);
        for (int k = 0; k < 3 && out.st == LV_OK; k++) {
            lv_record_meta again{};
            lv_status st = lv_meta_parse(mp, kind, markup.data, markup.len, 1000, &spans, 0,
                                         k == 0 ? &out.m : &again);
            if (k == 0) {
                out.st = st;
                if (st != LV_OK) out.error = lv_last_error();
            } else {
                EXPECT_EQ(st, out.st);
                if (st == LV_OK) {
                    EXPECT_EQ(facts(again), facts(out.m));
                } else {
                    EXPECT_EQ(std::string(lv_last_error()), out.error);
                }
            }
            lv_record_meta_free(&again);
        }
        lv_meta_parser_destroy(mp);
    } else {
        out.error = lv_last_error();
    }
    lv_bytes_free(&markup);
    free(spans.items);
}

const char *ARRAYS = "<binaryDataArrayList count=\"2\">"
                     "<binaryDataArray encodedLength=\"0\">"
                     "<cvParam cvRef=\"MS\" accession=\"MS:1000523\" name=\"64-bit float\"/>"
                     "<cvParam cvRef=\"MS\" accession=\"MS:1000514\" name=\"m/z array\"/>"
                     "<binary></binary></binaryDataArray>"
                     "<binaryDataArray encodedLength=\"0\">"
                     "<cvParam cvRef=\"MS\" accession=\"MS:1000521\" name=\"32-bit float\"/>"
                     "<cvParam cvRef=\"MS\" accession=\"MS:1000515\" name=\"intensity array\"/>"
                     "<binary></binary></binaryDataArray></binaryDataArrayList>";

TEST(MetaParse, AttributesInAnyOrderAndEitherQuote)
{
    Parsed a, b;
    parse("<spectrum defaultArrayLength=\"0\" index=\"0\" id=\"s1\">"
          "<cvParam cvRef=\"MS\" accession=\"MS:1000511\" name=\"ms level\" value=\"3\"/>"
          "<cvParam cvRef=\"MS\" accession=\"MS:1000128\" name=\"profile spectrum\" value=\"\"/>"
          "<scanList><scan><cvParam cvRef=\"MS\" accession=\"MS:1000016\" name=\"scan start "
          "time\" value=\"2.5\" unitCvRef=\"UO\" unitAccession=\"UO:0000031\" "
          "unitName=\"minute\"/></scan></scanList>" +
              std::string(ARRAYS) + "</spectrum>",
          a);
    parse("<spectrum\n  id='s1'\tindex='0' defaultArrayLength = '0' >"
          "<cvParam value='3' name='ms level' accession='MS:1000511' cvRef='MS' />"
          "<cvParam\nvalue=\"\"\naccession=\"MS:1000128\"/>"
          "<scanList><scan><cvParam unitName='minute' unitAccession='UO:0000031' value='2.5' "
          "accession='MS:1000016'/></scan></scanList>" +
              std::string(ARRAYS) + "</spectrum >",
          b);
    for (Parsed *p : {&a, &b}) {
        ASSERT_EQ(p->st, LV_OK) << p->error;
        EXPECT_STREQ(p->m.id, "s1");
        EXPECT_EQ(p->m.ms_level, 3);
        EXPECT_EQ(p->m.representation, LV_REPR_PROFILE);
        EXPECT_DOUBLE_EQ(p->m.rt_seconds, 150.0);
        ASSERT_EQ(p->m.n_arrays, 2u);
        EXPECT_EQ(p->m.arrays[0].role, LV_ARRAY_MZ);
        EXPECT_EQ(p->m.arrays[0].enc.dtype, LV_DTYPE_F64);
        EXPECT_EQ(p->m.arrays[1].role, LV_ARRAY_INTENSITY);
        EXPECT_EQ(p->m.arrays[1].enc.dtype, LV_DTYPE_F32);
    }
}

TEST(MetaParse, EntityReferencesAreDecodedByLibxml2)
{
    Parsed p;
    parse("<spectrum id=\"scan=1 &quot;a&quot; &amp; &#x41;&apos;&lt;&gt;\" "
          "defaultArrayLength=\"&#x30;\">"
          "<cvParam accession=\"MS&#58;1000511\" value=\"&#50;\"/>"
          "<cvParam accession=\"MS:1000016\" value=\"&#x31;.5\" unitName=\"Minute\"/>"
          "<precursorList><precursor><selectedIonList><selectedIon>"
          "<cvParam accession=\"MS:1000744\" value=\"4&#52;5.25\"/>"
          "<cvParam accession=\"MS:1000041\" value=\"&#51;\"/>"
          "</selectedIon></selectedIonList></precursor></precursorList>"
          "<binaryDataArrayList count=\"1\"><binaryDataArray encodedLength=\"0\">"
          "<userParam name=\"a &amp; b &#38; c\"/><binary/></binaryDataArray>"
          "</binaryDataArrayList></spectrum>",
          p);
    ASSERT_EQ(p.st, LV_OK) << p.error;
    // '&' comes back from libxml2 as "&#38;" unless decoded here; the index's ids (decoded by
    // lv_xml_unescape) must equal the batch's
    EXPECT_STREQ(p.m.id, "scan=1 \"a\" & A'<>");
    ASSERT_EQ(p.m.n_arrays, 1u);
    EXPECT_STREQ(p.m.arrays[0].name, "a & b & c");
    EXPECT_EQ(p.m.default_length, 0u);
    EXPECT_EQ(p.m.ms_level, 2);
    EXPECT_DOUBLE_EQ(p.m.rt_seconds, 90.0); // unit name compared without case
    EXPECT_DOUBLE_EQ(p.m.precursor_mz, 445.25);
    EXPECT_EQ(p.m.precursor_charge, 3);
}

TEST(MetaParse, OnlyExactAccessionsCount)
{
    Parsed p;
    parse("<spectrum id=\"s\" defaultArrayLength=\"0\">"
          "<cvParam accession=\"MS:01000511\" value=\"4\"/>"
          "<cvParam accession=\"MS:100051\" value=\"5\"/>"
          "<cvParam accession=\"ms:1000511\" value=\"6\"/>"
          "<cvParam accession=\"XX:1000511\" value=\"7\"/>"
          "<cvParam accession=\"MS:1000511 \" value=\"8\"/>"
          "<cvParam accession=\"MS:1000511x\" value=\"9\"/>"
          "<cvParam accession=\"MS:10005l1\" value=\"9\"/>"
          "<cvParam name=\"ms level\" value=\"9\"/>"
          "<cvParam accession=\"UO:0000031\" value=\"1\"/>"
          "<cvParam accession=\"MS:1000016\" value=\"30\" unitAccession=\"UO:0000031 \"/>" +
              std::string(ARRAYS) + "</spectrum>",
          p);
    ASSERT_EQ(p.st, LV_OK) << p.error;
    EXPECT_EQ(p.m.ms_level, 0);
    EXPECT_DOUBLE_EQ(p.m.rt_seconds, 30.0); // a unit that is not exactly minutes: seconds
}

TEST(MetaParse, ArrayTermsAndNames)
{
    std::string long_name(110, 'n');
    Parsed p;
    parse("<spectrum id=\"s\" defaultArrayLength=\"4\">"
          "<binaryDataArrayList count=\"6\">"
          "<binaryDataArray arrayLength=\"2\" encodedLength=\"0\">"
          "<cvParam accession=\"MS:1002747\" name=\"numpress pic + zlib\"/>"
          "<cvParam accession=\"MS:1000516\" name=\"charge array\"/><binary/></binaryDataArray>"
          "<binaryDataArray encodedLength=\"0\">"
          "<cvParam accession=\"MS:1002312\"/><cvParam accession=\"MS:1000519\"/>"
          "<cvParam accession=\"MS:1000786\" value=\"my array\"/><binary/></binaryDataArray>"
          "<binaryDataArray encodedLength=\"0\"><cvParam accession=\"MS:1000522\"/>"
          "<userParam name=\"custom\" value=\"x\"/><binary/></binaryDataArray>"
          "<binaryDataArray encodedLength=\"0\"><cvParam accession=\"MS:1001479\"/>"
          "<cvParam accession=\"MS:1000574\"/>"
          "<cvParam accession=\"MS:1000595\" unitAccession=\"UO:0000028\"/>"
          "<binary/></binaryDataArray>"
          "<binaryDataArray encodedLength=\"0\">"
          "<cvParam accession=\"MS:9999999\" name=\"" +
              long_name +
              " array\"/><binary/></binaryDataArray>"
              "<binaryDataArray encodedLength=\"0\">"
              "<cvParam accession=\"MS:1002748\"/><cvParam accession=\"MS:1000576\"/>"
              "<cvParam accession=\"PSI:1\" name=\"not an ms array\"/>"
              "<binary/></binaryDataArray>"
              "</binaryDataArrayList></spectrum>",
          p);
    ASSERT_EQ(p.st, LV_OK) << p.error;
    ASSERT_EQ(p.m.n_arrays, 6u);
    const lv_array_meta *a = p.m.arrays;
    EXPECT_EQ(a[0].length, 2u);
    EXPECT_EQ(a[0].role, LV_ARRAY_EXTRA);
    EXPECT_STREQ(a[0].name, "charge array");
    EXPECT_EQ(a[0].enc.numpress, LV_NUMPRESS_PIC);
    EXPECT_EQ(a[0].enc.zlib, 1);
    EXPECT_EQ(a[1].length, 4u);
    EXPECT_STREQ(a[1].name, "my array");
    EXPECT_EQ(a[1].enc.numpress, LV_NUMPRESS_LINEAR);
    EXPECT_EQ(a[1].enc.zlib, 0);
    EXPECT_EQ(a[1].enc.dtype, LV_DTYPE_I32);
    EXPECT_EQ(a[2].role, LV_ARRAY_EXTRA);
    EXPECT_STREQ(a[2].name, "custom");
    EXPECT_EQ(a[2].enc.dtype, LV_DTYPE_I64);
    EXPECT_EQ(a[3].role, LV_ARRAY_TIME);
    EXPECT_DOUBLE_EQ(a[3].time_scale, 1e-3);
    EXPECT_EQ(a[3].enc.dtype, LV_DTYPE_ASCII);
    EXPECT_EQ(a[3].enc.zlib, 1);
    EXPECT_EQ(a[4].role, LV_ARRAY_EXTRA);
    EXPECT_EQ(std::string(a[4].name), long_name.substr(0, LV_ARRAY_NAME_CAP - 1));
    EXPECT_EQ(a[5].role, LV_ARRAY_UNKNOWN);
    EXPECT_EQ(a[5].enc.numpress, LV_NUMPRESS_NONE); // MS:1000576 after it resets numpress
    EXPECT_EQ(a[5].enc.zlib, 0);
    EXPECT_EQ(a[5].has_compression_term, 1);
}

TEST(MetaParse, ParamGroupsApplyLikeInlineParams)
{
    const char *head =
        "<?xml version=\"1.0\"?><mzML version=\"1.1.0\"><referenceableParamGroupList count=\"2\">"
        "<referenceableParamGroup id=\"spec\">"
        "<cvParam accession=\"MS:1000511\" value=\"2\"/><cvParam accession=\"MS:1000129\"/>"
        "</referenceableParamGroup><referenceableParamGroup id=\"mz &amp; f32\">"
        "<cvParam accession=\"MS:1000514\" name=\"m/z array\"/>"
        "<cvParam accession=\"MS:1000521\"/><cvParam accession=\"MS:1000574\"/>"
        "</referenceableParamGroup></referenceableParamGroupList><run id=\"r\"><spectrumList>";
    lv_mzml_header h{};
    ASSERT_EQ(lv_mzml_header_parse("h.mzML", (const uint8_t *)head, strlen(head), &h), LV_OK)
        << lv_last_error();
    /* the header keeps the id the file means ('&'), not libxml2's "&#38;" */
    EXPECT_NE(lv_mzml_header_group(&h, "mz & f32"), nullptr);
    EXPECT_EQ(lv_mzml_header_group(&h, "mz &#38; f32"), nullptr);
    Parsed p, bad;
    parse("<spectrum id=\"s\" defaultArrayLength=\"1\"><referenceableParamGroupRef ref=\"spec\"/>"
          "<binaryDataArrayList count=\"1\"><binaryDataArray encodedLength=\"0\">"
          "<referenceableParamGroupRef ref='mz &amp; f32'/><binary/></binaryDataArray>"
          "</binaryDataArrayList></spectrum>",
          p, &h);
    parse("<spectrum id=\"s\" defaultArrayLength=\"1\"><referenceableParamGroupRef ref=\"nope\"/>"
          "</spectrum>",
          bad, &h);
    ASSERT_EQ(p.st, LV_OK) << p.error;
    EXPECT_EQ(p.m.ms_level, 2);
    EXPECT_EQ(p.m.polarity, -1);
    ASSERT_EQ(p.m.n_arrays, 1u);
    EXPECT_EQ(p.m.arrays[0].role, LV_ARRAY_MZ);
    EXPECT_EQ(p.m.arrays[0].enc.dtype, LV_DTYPE_F32);
    EXPECT_EQ(p.m.arrays[0].enc.zlib, 1);
    EXPECT_EQ(bad.st, LV_ERR_FORMAT);
    EXPECT_NE(bad.error.find("ref='nope' names no group"), std::string::npos) << bad.error;
    lv_mzml_header_free(&h);
}

TEST(MetaParse, BadNumbersAndMarkupAreErrors)
{
    Parsed neg, xml;
    parse("<spectrum id=\"s\" defaultArrayLength=\"-1\"></spectrum>", neg);
    EXPECT_EQ(neg.st, LV_ERR_FORMAT);
    EXPECT_NE(neg.error.find("defaultArrayLength"), std::string::npos) << neg.error;
    parse("<spectrum id=\"s\" id=\"t\" defaultArrayLength=\"1\"></spectrum>", xml);
    EXPECT_EQ(xml.st, LV_ERR_XML);
    EXPECT_NE(xml.error.find("libxml2"), std::string::npos) << xml.error;
}

struct Split {
    lv_status st;
    std::string markup;
    std::vector<lv_span> spans;
    size_t end = 0;
};

Split split(const std::string &record, bool compact)
{
    lv_bytes markup{};
    lv_span_list spans{};
    Split out;
    out.st = (compact ? lv_record_split_compact
                      : lv_record_split)((const uint8_t *)record.data(), record.size(),
                                         LV_RECORD_SPECTRUM, 1, &markup, &spans, &out.end);
    if (out.st == LV_OK) out.markup.assign((const char *)markup.data, markup.len);
    out.spans.assign(spans.items, spans.items + spans.n);
    lv_bytes_free(&markup);
    free(spans.items);
    return out;
}

const char *PRETTY = "<spectrum index=\"0\" id=\"a  b\" defaultArrayLength=\"2\">\r\n"
                     "  <cvParam accession=\"MS:1000511\" value=\" 2 \"/>\r\n"
                     "\t<cvParam accession=\"MS:1000016\" value=\"1\" name=\"x >  y\"/>\n"
                     "  <!-- a comment >   < kept -->\n"
                     "  <scanList> text &amp; more  </scanList>\n"
                     "  <binaryDataArrayList count=\"1\">\n"
                     "    <binaryDataArray encodedLength=\"4\">\n"
                     "      <cvParam accession=\"MS:1000514\"/>\n"
                     "      <binary>AAAA</binary>\n"
                     "    </binaryDataArray>\n"
                     "  </binaryDataArrayList>\n"
                     "</spectrum >\n<spectrum";

TEST(RecordSplit, CompactDropsOnlyBlanksBetweenTags)
{
    Split plain = split(PRETTY, false), compact = split(PRETTY, true);
    ASSERT_EQ(plain.st, LV_OK);
    ASSERT_EQ(compact.st, LV_OK);
    EXPECT_EQ(compact.end, plain.end);
    ASSERT_EQ(compact.spans.size(), 1u);
    EXPECT_EQ(compact.spans[0].off, plain.spans[0].off);
    EXPECT_EQ(compact.spans[0].len, 4u);
    EXPECT_EQ(compact.markup,
              "<spectrum index=\"0\" id=\"a  b\" defaultArrayLength=\"2\">"
              "<cvParam accession=\"MS:1000511\" value=\" 2 \"/>"
              "<cvParam accession=\"MS:1000016\" value=\"1\" name=\"x >  y\"/>"
              "<!-- a comment >   < kept -->"
              "<scanList> text &amp; more  </scanList>"
              "<binaryDataArrayList count=\"1\"><binaryDataArray encodedLength=\"4\">"
              "<cvParam accession=\"MS:1000514\"/><binary></binary></binaryDataArray>"
              "</binaryDataArrayList></spectrum >");
}

TEST(RecordSplit, CompactMarkupParsesToTheSameFacts)
{
    for (bool compact : {false, true}) {
        Split s = split(PRETTY, compact);
        ASSERT_EQ(s.st, LV_OK);
        lv_span_list spans{s.spans.data(), s.spans.size(), s.spans.size()};
        lv_meta_parser *mp = nullptr;
        ASSERT_EQ(lv_meta_parser_create(nullptr, &mp), LV_OK);
        lv_record_meta m{};
        ASSERT_EQ(lv_meta_parse(mp, LV_RECORD_SPECTRUM, (const uint8_t *)s.markup.data(),
                                s.markup.size(), 0, &spans, compact, &m),
                  LV_OK)
            << lv_last_error();
        EXPECT_STREQ(m.id, "a  b");
        EXPECT_EQ(m.ms_level, 2);
        EXPECT_DOUBLE_EQ(m.rt_seconds, 1.0);
        ASSERT_EQ(m.n_arrays, 1u);
        EXPECT_EQ(m.arrays[0].role, LV_ARRAY_MZ);
        EXPECT_EQ(m.arrays[0].payload_len, 4u);
        lv_record_meta_free(&m);
        lv_meta_parser_destroy(mp);
    }
}

// fast (libxml2 reading UTF-8 natively) and exact (through the declared encoding) agree on
// multi-byte text, and both reject bytes that are not UTF-8.
TEST(RecordSplit, NativeUtf8AgreesWithTheDeclaredEncoding)
{
    lv_mzml_header h{};
    h.encoding = (char *)"UTF-8";
    const std::string good = "<spectrum id=\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\" "
                             "defaultArrayLength=\"0\"><userParam name=\"\xc3\xa9\"/></spectrum>";
    const std::string bad = "<spectrum id=\"caf\xe9\" defaultArrayLength=\"0\"></spectrum>";
    for (const std::string *rec : {&good, &bad}) {
        Split s = split(*rec, true);
        ASSERT_EQ(s.st, LV_OK);
        lv_span_list spans{s.spans.data(), s.spans.size(), s.spans.size()};
        lv_meta_parser *mp = nullptr;
        ASSERT_EQ(lv_meta_parser_create(&h, &mp), LV_OK);
        lv_record_meta fast{}, exact{};
        lv_status a = lv_meta_parse(mp, LV_RECORD_SPECTRUM, (const uint8_t *)s.markup.data(),
                                    s.markup.size(), 0, &spans, 1, &fast);
        lv_status b = lv_meta_parse(mp, LV_RECORD_SPECTRUM, (const uint8_t *)s.markup.data(),
                                    s.markup.size(), 0, &spans, 0, &exact);
        EXPECT_EQ(a, b);
        if (rec == &good) {
            ASSERT_EQ(a, LV_OK) << lv_last_error();
            EXPECT_EQ(facts(fast), facts(exact));
            EXPECT_STREQ(fast.id, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
        } else {
            EXPECT_EQ(a, LV_ERR_XML);
        }
        lv_record_meta_free(&fast);
        lv_record_meta_free(&exact);
        lv_meta_parser_destroy(mp);
    }
}

TEST(RecordSplit, StartTagRecognition)
{
    auto is = [](const char *text, const char *name) {
        return lv_xml_is_start_tag((const uint8_t *)text, strlen(text), name);
    };
    EXPECT_EQ(is("<binary>", "binary"), 1);
    EXPECT_EQ(is("<binary/>", "binary"), 1);
    EXPECT_EQ(is("<binary\t>", "binary"), 1);
    EXPECT_EQ(is("<binary\nx='1'>", "binary"), 1);
    EXPECT_EQ(is("<binaryDataArray>", "binary"), 0);
    EXPECT_EQ(is("<binaryDataArray >", "binaryDataArray"), 1);
    EXPECT_EQ(is("<binary", "binary"), 0); // nothing after the name yet
    EXPECT_EQ(is("<bin", "binary"), 0);
    EXPECT_EQ(is("</binary>", "binary"), 0);
    EXPECT_EQ(is("binary>", "binary"), 0);
    EXPECT_EQ(is("", "binary"), 0);
    EXPECT_EQ(lv_xml_is_start_tag((const uint8_t *)"<binary>", 7, "binary"), 0); // cut at '>'
}

TEST(RecordSplit, HeaderEncodingDecidesTheFastPath)
{
    lv_mzml_header h{};
    EXPECT_EQ(lv_mzml_header_is_utf8(&h), 1);
    for (const char *e : {"utf-8", "UTF-8", "Utf8"}) {
        h.encoding = (char *)e;
        EXPECT_EQ(lv_mzml_header_is_utf8(&h), 1) << e;
    }
    for (const char *e : {"ISO-8859-1", "UTF-16", "utf-88"}) {
        h.encoding = (char *)e;
        EXPECT_EQ(lv_mzml_header_is_utf8(&h), 0) << e;
    }
}

} // namespace
