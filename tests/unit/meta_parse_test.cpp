// meta_parse_test.cpp - one record's markup through lv_record_split and lv_meta_parse: the
// facts kept do not depend on attribute order, quoting, whitespace or entity references (libxml2
// decodes those), and only exact accessions count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

#include "io/mzml.h"

namespace
{

struct Parsed {
    lv_status st = LV_OK;
    std::string error;
    lv_record_meta m{};
    ~Parsed() { lv_record_meta_free(&m); }
};

// Splits and parses `record` (a whole <spectrum> or <chromatogram> element).
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
        if (out.st == LV_OK)
            out.st = lv_meta_parse(mp, kind, markup.data, markup.len, 1000, &spans, &out.m);
        lv_meta_parser_destroy(mp);
    }
    if (out.st != LV_OK) out.error = lv_last_error();
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

} // namespace
