/* writer_check.h - helpers shared by the writer's unit and data tests: processed batches built
 * by hand, a full write of a source file, and an independent check of the output (our reader
 * with its index and checksum verified, arrays compared exactly, and every unprocessed record's
 * text compared byte for byte with the source, found by a plain text scan of both files). */
#pragma once

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "lavoisier.h"
extern "C" {
#include "io/batch.h" // no C++ guards of its own
}

namespace lvtest
{

/* Which spectra a test write replaces. */
enum class Replace { None, EveryOther, All };

/* What a processed spectrum must read back as. */
struct Expected {
    std::vector<double> mz;
    std::vector<float> intensity;
    std::vector<float> fwhm;
};

inline bool replaced(Replace mode, uint64_t index)
{
    return mode == Replace::All || (mode == Replace::EveryOther && index % 2 == 1);
}

/* A copy of `in` in which the selected spectra are "processed": every other point kept (points
 * 0, 2, 4, ...), representation centroid, processed flag 1, and a FWHM float array
 * (m/z * 1e-6).  Other records keep their arrays and flag 0.  Expectations are recorded. */
inline lv_batch *halve(const lv_batch *in, Replace mode, std::map<uint64_t, Expected> *expect)
{
    uint64_t points = 0, fwhm_points = 0;
    for (uint64_t r = 0; r < in->n; r++) {
        uint64_t n = in->offsets[r + 1] - in->offsets[r];
        bool p = replaced(mode, in->index[r]);
        points += p ? (n + 1) / 2 : n;
        fwhm_points += p ? (n + 1) / 2 : 0;
    }
    size_t id_bytes = in->id_offsets[in->n];
    lv_batch *b = nullptr;
    EXPECT_EQ(lv_batch_alloc(nullptr, LV_RECORD_SPECTRUM, in->n, points, id_bytes, &b), LV_OK);
    if (!b) return nullptr;
    uint32_t k = 0;
    EXPECT_EQ(lv_batch_add_extra(b, "FWHM", LV_DTYPE_F32, fwhm_points, &k), LV_OK);
    float *fwhm = static_cast<float *>(b->extras[k].data);
    memcpy(b->id_arena, in->id_arena, id_bytes);
    uint64_t pos = 0, fpos = 0;
    for (uint64_t r = 0; r < in->n; r++) {
        b->index[r] = in->index[r];
        b->id_offsets[r] = in->id_offsets[r];
        b->ms_level[r] = in->ms_level[r];
        b->rt_seconds[r] = in->rt_seconds[r];
        b->polarity[r] = in->polarity[r];
        b->precursor_mz[r] = in->precursor_mz[r];
        b->precursor_charge[r] = in->precursor_charge[r];
        b->precursor_intensity[r] = in->precursor_intensity[r];
        b->offsets[r] = pos;
        b->extras[k].offsets[r] = fpos;
        uint64_t lo = in->offsets[r], n = in->offsets[r + 1] - lo;
        bool p = replaced(mode, in->index[r]);
        b->processed[r] = p ? 1 : 0;
        b->representation[r] = p ? static_cast<uint8_t>(LV_REPR_CENTROID) : in->representation[r];
        Expected e;
        for (uint64_t j = 0; j < n; j += p ? 2 : 1) {
            b->mz[pos] = in->mz[lo + j];
            b->intensity[pos] = in->intensity[lo + j];
            if (p) {
                fwhm[fpos] = static_cast<float>(in->mz[lo + j] * 1e-6);
                e.mz.push_back(b->mz[pos]);
                e.intensity.push_back(b->intensity[pos]);
                e.fwhm.push_back(fwhm[fpos]);
                fpos++;
            }
            pos++;
        }
        if (p && expect) (*expect)[in->index[r]] = e;
    }
    b->offsets[in->n] = pos;
    b->id_offsets[in->n] = in->id_offsets[in->n];
    b->extras[k].offsets[in->n] = fpos;
    return b;
}

/* Writes src to out through lv_writer, replacing spectra as mode says.  Returns the status of
 * the first failing call (its message in *error). */
inline lv_status write_copy(const std::string &src, const std::string &out, Replace mode,
                            uint32_t threads, std::map<uint64_t, Expected> *expect,
                            std::string *error, uint64_t batch_points = 50000)
{
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = threads;
    lv_context *ctx = nullptr;
    lv_status st = lv_context_create(&cp, &ctx);
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    rp.context = ctx;
    rp.batch_points = batch_points;
    lv_reader *r = nullptr;
    if (st == LV_OK) st = lv_reader_open(src.c_str(), &rp, &r);
    lv_writer_params wp;
    lv_writer_params_init(&wp);
    wp.context = ctx;
    wp.processing = "test halve every other point";
    wp.peak_picking = 1;
    lv_writer *w = nullptr;
    if (st == LV_OK) st = lv_writer_open(out.c_str(), r, &wp, &w);
    while (st == LV_OK && mode != Replace::None) {
        lv_batch *b = nullptr;
        st = lv_reader_next(r, &b);
        if (st != LV_OK || !b) break;
        lv_batch *p = halve(b, mode, expect);
        lv_batch_destroy(b);
        st = p ? lv_writer_write(w, p) : LV_ERR_NO_MEMORY;
        lv_batch_destroy(p);
    }
    if (st == LV_OK) st = lv_writer_finish(w);
    if (st != LV_OK && error) *error = lv_last_error();
    lv_writer_close(w);
    lv_reader_close(r);
    lv_context_destroy(ctx);
    return st;
}

/* The whole XML of a file (gzip inflated, all members). */
inline std::string xml_text(const std::string &path)
{
    gzFile f = gzopen(path.c_str(), "rb");
    std::string s;
    if (!f) return s;
    char buf[1 << 16];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0)
        s.append(buf, static_cast<size_t>(n));
    gzclose(f);
    return s;
}

/* The text of every <name ...>...</name> record, in document order. */
inline std::vector<std::string> records(const std::string &xml, const std::string &name)
{
    std::vector<std::string> out;
    std::string open = "<" + name, close = "</" + name + ">";
    size_t i = 0;
    while ((i = xml.find(open, i)) != std::string::npos) {
        char c = i + open.size() < xml.size() ? xml[i + open.size()] : '\0';
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/') {
            i += open.size();
            continue;
        }
        size_t gt = xml.find('>', i);
        if (gt == std::string::npos) break;
        size_t end = xml[gt - 1] == '/' ? gt + 1 : xml.find(close, gt);
        if (end == std::string::npos) break;
        if (xml[gt - 1] != '/') end += close.size();
        out.push_back(xml.substr(i, end - i));
        i = end;
    }
    return out;
}

inline bool same_bits_f(float a, float b)
{
    return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}
inline bool same_bits_d(double a, double b)
{
    return std::memcmp(&a, &b, sizeof a) == 0 || (std::isnan(a) && std::isnan(b));
}

inline lv_batch *read_all(lv_reader *r, lv_record_kind kind, uint64_t n)
{
    lv_batch *b = nullptr;
    EXPECT_EQ(lv_reader_read(r, kind, 0, n, &b), LV_OK) << lv_last_error();
    return b;
}

/* rec with the value of the index attribute of its start tag replaced by position. */
inline std::string with_index(const std::string &rec, uint64_t position)
{
    size_t gt = rec.find('>');
    size_t at = rec.find(" index=\"");
    if (at == std::string::npos || at > gt) return rec;
    size_t v = at + 8, e = rec.find('"', v);
    return rec.substr(0, v) + std::to_string(position) + rec.substr(e);
}

/* Checks out against src after a write_copy() with these expectations. */
inline void check_copy(const std::string &src, const std::string &out,
                       const std::map<uint64_t, Expected> &expect)
{
    SCOPED_TRACE("source " + src + ", output " + out);
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    lv_reader *a = nullptr, *b = nullptr;
    ASSERT_EQ(lv_reader_open(src.c_str(), &rp, &a), LV_OK) << lv_last_error();
    rp.verify_checksum = 1;
    ASSERT_EQ(lv_reader_open(out.c_str(), &rp, &b), LV_OK) << lv_last_error();
    lv_file_info ia{}, ib{};
    ia.size = ib.size = sizeof(lv_file_info);
    ASSERT_EQ(lv_reader_info(a, &ia), LV_OK);
    ASSERT_EQ(lv_reader_info(b, &ib), LV_OK);
    EXPECT_EQ(ib.index_state, LV_INDEX_VALID) << ib.index_message;
    EXPECT_EQ(ib.checksum_state, 1u);
    ASSERT_EQ(ib.n_spectra, ia.n_spectra);
    ASSERT_EQ(ib.n_chromatograms, ia.n_chromatograms);
    EXPECT_EQ(std::string(ib.mzml_version), std::string(ia.mzml_version));

    std::string xa = xml_text(src), xb = xml_text(out);
    for (int kind = 0; kind < 2; kind++) {
        const char *name = kind ? "chromatogram" : "spectrum";
        uint64_t n = kind ? ia.n_chromatograms : ia.n_spectra;
        std::vector<std::string> ra = records(xa, name), rb = records(xb, name);
        ASSERT_EQ(ra.size(), n) << "text scan of the source found another record count";
        ASSERT_EQ(rb.size(), n) << "text scan of the output found another record count";
        if (n == 0) continue;
        lv_batch *ba = read_all(a, static_cast<lv_record_kind>(kind), n);
        lv_batch *bb = read_all(b, static_cast<lv_record_kind>(kind), n);
        ASSERT_TRUE(ba && bb);
        size_t bad_bytes = 0, bad_values = 0, bad_meta = 0;
        for (uint64_t i = 0; i < n; i++) {
            EXPECT_STREQ(lv_batch_id(ba, i), lv_batch_id(bb, i));
            if (ba->ms_level[i] != bb->ms_level[i] ||
                !same_bits_d(ba->rt_seconds[i], bb->rt_seconds[i]) ||
                ba->polarity[i] != bb->polarity[i] ||
                !same_bits_d(ba->precursor_mz[i], bb->precursor_mz[i]) ||
                ba->precursor_charge[i] != bb->precursor_charge[i])
                bad_meta++;
            auto it = kind == 0 ? expect.find(i) : expect.end();
            uint64_t lo = bb->offsets[i], nb = bb->offsets[i + 1] - lo;
            if (it == expect.end()) {
                // Byte for byte, except a wrong index attribute, which the writer corrects.
                if (ra[i] != rb[i] && (with_index(ra[i], i) != rb[i] || rb[i] == ra[i]))
                    bad_bytes++;
                if (with_index(rb[i], i) != rb[i]) bad_bytes++;
                uint64_t la = ba->offsets[i], na = ba->offsets[i + 1] - la;
                if (na != nb) {
                    bad_values++;
                    continue;
                }
                for (uint64_t j = 0; j < na; j++)
                    if (!same_bits_d(ba->mz[la + j], bb->mz[lo + j]) ||
                        !same_bits_f(ba->intensity[la + j], bb->intensity[lo + j])) {
                        bad_values++;
                        break;
                    }
                continue;
            }
            const Expected &e = it->second;
            EXPECT_EQ(bb->representation[i], LV_REPR_CENTROID) << name << " " << i;
            EXPECT_NE(rb[i].find("dataProcessingRef=\"lavoisier_processing"), std::string::npos);
            ASSERT_EQ(nb, e.mz.size()) << "processed spectrum " << i;
            for (uint64_t j = 0; j < nb; j++)
                if (!same_bits_d(e.mz[j], bb->mz[lo + j]) ||
                    !same_bits_f(e.intensity[j], bb->intensity[lo + j])) {
                    bad_values++;
                    break;
                }
            bool found_fwhm = false;
            for (uint32_t k = 0; k < bb->n_extra; k++) {
                const lv_batch_extra_col &c = bb->extras[k];
                if (std::string(c.name) != "FWHM") continue;
                found_fwhm = true;
                ASSERT_EQ(c.dtype, LV_DTYPE_F32);
                uint64_t f0 = c.offsets[i], fn = c.offsets[i + 1] - f0;
                ASSERT_EQ(fn, e.fwhm.size());
                const float *f = static_cast<const float *>(c.data);
                for (uint64_t j = 0; j < fn; j++)
                    if (!same_bits_f(f[f0 + j], e.fwhm[j])) {
                        bad_values++;
                        break;
                    }
            }
            EXPECT_TRUE(found_fwhm || e.fwhm.empty())
                << "no FWHM array in processed spectrum " << i;
        }
        EXPECT_EQ(bad_bytes, 0u) << name << " records not copied byte for byte";
        EXPECT_EQ(bad_values, 0u) << name << " records with different arrays";
        EXPECT_EQ(bad_meta, 0u) << name << " records with different metadata";
        lv_batch_destroy(ba);
        lv_batch_destroy(bb);
    }
    lv_reader_close(a);
    lv_reader_close(b);
}

} // namespace lvtest
