/* simulate.c - lv_simulate(): plans a run for a target size and streams it as indexed mzML.
 *
 * The spectrumList count must be written before the first spectrum, so the run is planned up
 * front: a few calibration cycles are generated and encoded without being stored, which measures
 * what a cycle (one MS1 and its MS2 scans) costs in bytes at these settings, and the number of
 * cycles follows from the target size.  While the real run is written, each MS1 scan's point
 * budget is steered (within +-30% of ms1_points) so that the bytes still to come match the bytes
 * still allowed; the spectrum count never changes, and the file lands within about 1% of the
 * target once it holds a few cycles (a target below one cycle gets one cycle with a smaller MS1
 * scan).
 *
 * Memory is bounded: scratch space for one spectrum, plus, per spectrum, its byte offset (for the
 * index) and its retention time and TIC (for the TIC chromatogram): 20 bytes. */
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/sha1.h"
#include "lavoisier.h"
#include "runtime/error.h"
#include "sim/sim_model.h"
#include "sim/sim_rng.h"
#include "sim/sim_writer.h"

#define SIM_MAX_TARGET         (1ull << 50)
#define SIM_MAX_MS1_POINTS     10000000u
#define SIM_MAX_MS2_PER_CYCLE  1000u
#define SIM_MAX_COMPOUNDS      10000000u
#define SIM_BUDGET_MIN         0.7 /* MS1 point budgets stay within these factors of ms1_points */
#define SIM_BUDGET_MAX         1.3
#define SIM_CALIBRATION_CYCLES 3
#define SIM_TAIL_FIXED         2048.0 /* chromatogram and index markup, besides per-spectrum */

/* Random stream numbers (see sim_rng_seed); the model uses 1 and 2. */
enum { STREAM_SCANS = 4, STREAM_CALIBRATION = 5, STREAM_TIMING = 6 };

static const char *const native_id_prefix = "controllerType=0 controllerNumber=1 scan=";

static const char *const cv_mz_array =
    "<cvParam cvRef=\"MS\" accession=\"MS:1000514\" name=\"m/z array\" value=\"\" "
    "unitCvRef=\"MS\" unitAccession=\"MS:1000040\" unitName=\"m/z\"/>";
static const char *const cv_intensity_array =
    "<cvParam cvRef=\"MS\" accession=\"MS:1000515\" name=\"intensity array\" value=\"\" "
    "unitCvRef=\"MS\" unitAccession=\"MS:1000131\" unitName=\"number of detector counts\"/>";
static const char *const cv_time_array =
    "<cvParam cvRef=\"MS\" accession=\"MS:1000595\" name=\"time array\" value=\"\" "
    "unitCvRef=\"UO\" unitAccession=\"UO:0000031\" unitName=\"minute\"/>";

LV_API void lv_simulate_params_init(lv_simulate_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->size = sizeof *params;
    params->target_bytes = 16u << 20;
    params->seed = 1;
    params->ms1_points = 20000;
    params->ms2_per_cycle = 10;
    params->n_compounds = 2000;
    params->cycle_seconds = 1.0;
    params->compress = 1;
}

/* ---- number formatting --------------------------------------------------------------------- */

/* The shortest of %.15g..%.17g that reads back as v, so that summary cvParams (base peak,
 * lowest/highest observed m/z) equal the array values they were taken from. */
static const char *fmt_exact(char buf[32], double v)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    return buf;
}

/* ---- markup -------------------------------------------------------------------------------- */

static void write_header(sim_writer *w, const lv_simulate_params *p, uint64_t n_spectra)
{
    unsigned long long seed = (unsigned long long)p->seed;
    /* The run's "source" is its parameter set: the sourceFile names it and carries its SHA-1,
     * and the dataProcessing spells it out. */
    char settings[256], settings_sha1[41];
    snprintf(settings, sizeof settings,
             "seed=%llu target_bytes=%llu ms1_points=%u ms2_per_cycle=%u n_compounds=%u "
             "cycle_seconds=%g compress=%u",
             seed, (unsigned long long)p->target_bytes, (unsigned)p->ms1_points,
             (unsigned)p->ms2_per_cycle, (unsigned)p->n_compounds, p->cycle_seconds,
             (unsigned)p->compress);
    lv_sha1 sha;
    lv_sha1_init(&sha);
    lv_sha1_update(&sha, settings, strlen(settings));
    lv_sha1_final_hex(&sha, settings_sha1);
    sim_writer_puts(
        w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
           "<indexedmzML xmlns=\"http://psi.hupo.org/ms/mzml\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
           "xsi:schemaLocation=\"http://psi.hupo.org/ms/mzml "
           "http://psidev.info/files/ms/mzML/xsd/mzML1.1.2_idx.xsd\">\n"
           "  <mzML xmlns=\"http://psi.hupo.org/ms/mzml\" "
           "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
           "xsi:schemaLocation=\"http://psi.hupo.org/ms/mzml "
           "http://psidev.info/files/ms/mzML/xsd/mzML1.1.0.xsd\" id=\"lavoisier_simulation\" "
           "version=\"1.1.0\">\n"
           "    <cvList count=\"2\">\n"
           "      <cv id=\"MS\" fullName=\"Proteomics Standards Initiative Mass Spectrometry "
           "Ontology\" version=\"4.1.182\" "
           "URI=\"https://raw.githubusercontent.com/HUPO-PSI/psi-ms-CV/master/psi-ms.obo\"/>\n"
           "      <cv id=\"UO\" fullName=\"Unit Ontology\" version=\"09:04:2014\" "
           "URI=\"https://raw.githubusercontent.com/bio-ontology-research-group/unit-ontology/"
           "master/unit.obo\"/>\n"
           "    </cvList>\n"
           "    <fileDescription>\n"
           "      <fileContent>\n"
           "        <cvParam cvRef=\"MS\" accession=\"MS:1000579\" name=\"MS1 spectrum\" "
           "value=\"\"/>\n"
           "        <cvParam cvRef=\"MS\" accession=\"MS:1000580\" name=\"MSn spectrum\" "
           "value=\"\"/>\n"
           "      </fileContent>\n"
           "      <sourceFileList count=\"1\">\n");
    sim_writer_printf(w,
                      "        <sourceFile id=\"SIM\" name=\"lavoisier_simulation_seed%llu\" "
                      "location=\"file:///\">\n",
                      seed);
    sim_writer_puts(
        w, "          <cvParam cvRef=\"MS\" accession=\"MS:1000768\" name=\"Thermo nativeID "
           "format\" value=\"\"/>\n"
           "          <cvParam cvRef=\"MS\" accession=\"MS:1000584\" name=\"mzML format\" "
           "value=\"\"/>\n");
    sim_writer_printf(w,
                      "          <cvParam cvRef=\"MS\" accession=\"MS:1000569\" name=\"SHA-1\" "
                      "value=\"%s\"/>\n",
                      settings_sha1);
    sim_writer_puts(
        w, "        </sourceFile>\n"
           "      </sourceFileList>\n"
           "    </fileDescription>\n"
           "    <referenceableParamGroupList count=\"1\">\n"
           "      <referenceableParamGroup id=\"CommonInstrumentParams\">\n"
           "        <cvParam cvRef=\"MS\" accession=\"MS:1002523\" name=\"Q Exactive HF\" "
           "value=\"\"/>\n"
           "        <cvParam cvRef=\"MS\" accession=\"MS:1000529\" name=\"instrument serial "
           "number\" value=\"SIMULATED\"/>\n"
           "      </referenceableParamGroup>\n"
           "    </referenceableParamGroupList>\n"
           "    <softwareList count=\"1\">\n");
    sim_writer_printf(w, "      <software id=\"lavoisier\" version=\"%s\">\n", lv_version());
    sim_writer_puts(
        w, "        <cvParam cvRef=\"MS\" accession=\"MS:1000799\" name=\"custom unreleased "
           "software tool\" value=\"Lavoisier\"/>\n"
           "      </software>\n"
           "    </softwareList>\n"
           "    <instrumentConfigurationList count=\"1\">\n"
           "      <instrumentConfiguration id=\"IC1\">\n"
           "        <referenceableParamGroupRef ref=\"CommonInstrumentParams\"/>\n"
           "        <componentList count=\"4\">\n"
           "          <source order=\"1\">\n"
           "            <cvParam cvRef=\"MS\" accession=\"MS:1000073\" name=\"electrospray "
           "ionization\" value=\"\"/>\n"
           "            <cvParam cvRef=\"MS\" accession=\"MS:1000057\" name=\"electrospray "
           "inlet\" value=\"\"/>\n"
           "          </source>\n"
           "          <analyzer order=\"2\">\n"
           "            <cvParam cvRef=\"MS\" accession=\"MS:1000081\" name=\"quadrupole\" "
           "value=\"\"/>\n"
           "          </analyzer>\n"
           "          <analyzer order=\"3\">\n"
           "            <cvParam cvRef=\"MS\" accession=\"MS:1000484\" name=\"orbitrap\" "
           "value=\"\"/>\n"
           "          </analyzer>\n"
           "          <detector order=\"4\">\n"
           "            <cvParam cvRef=\"MS\" accession=\"MS:1000624\" name=\"inductive "
           "detector\" value=\"\"/>\n"
           "          </detector>\n"
           "        </componentList>\n"
           "      </instrumentConfiguration>\n"
           "    </instrumentConfigurationList>\n"
           "    <dataProcessingList count=\"1\">\n"
           "      <dataProcessing id=\"lavoisier_simulation\">\n"
           "        <processingMethod order=\"0\" softwareRef=\"lavoisier\">\n"
           "          <cvParam cvRef=\"MS\" accession=\"MS:1000544\" name=\"Conversion to mzML\" "
           "value=\"\"/>\n");
    sim_writer_printf(w,
                      "          <userParam name=\"simulation parameters\" value=\"%s\" "
                      "type=\"xsd:string\"/>\n",
                      settings);
    sim_writer_puts(w, "        </processingMethod>\n"
                       "      </dataProcessing>\n"
                       "    </dataProcessingList>\n");
    sim_writer_printf(w,
                      "    <run id=\"simulated_run_seed%llu\" defaultInstrumentConfigurationRef="
                      "\"IC1\" startTimeStamp=\"2024-01-01T08:00:00Z\" "
                      "defaultSourceFileRef=\"SIM\">\n"
                      "      <spectrumList count=\"%llu\" "
                      "defaultDataProcessingRef=\"lavoisier_simulation\">\n",
                      seed, (unsigned long long)n_spectra);
}

static const char *const cv_unit_mz = "unitCvRef=\"MS\" unitAccession=\"MS:1000040\" "
                                      "unitName=\"m/z\"";
static const char *const cv_unit_counts = "unitCvRef=\"MS\" unitAccession=\"MS:1000131\" "
                                          "unitName=\"number of detector counts\"";

/* The start tag and the cvParams common to MS1 and MS2 spectra; *start is set to the offset of
 * the tag's '<' (what the index records). */
static void write_spectrum_head(sim_writer *w, uint64_t index, int ms_level, const sim_spectrum *s,
                                uint64_t *start)
{
    sim_writer_puts(w, "        ");
    *start = sim_writer_offset(w);
    sim_writer_printf(w, "<spectrum index=\"%llu\" id=\"%s%llu\" defaultArrayLength=\"%u\">\n",
                      (unsigned long long)index, native_id_prefix, (unsigned long long)(index + 1),
                      (unsigned)s->n);
    sim_writer_printf(w,
                      "          <cvParam cvRef=\"MS\" accession=\"%s\" name=\"%s\" value=\"\"/>\n"
                      "          <cvParam cvRef=\"MS\" accession=\"MS:1000511\" name=\"ms level\" "
                      "value=\"%d\"/>\n"
                      "          <cvParam cvRef=\"MS\" accession=\"MS:1000130\" name=\"positive "
                      "scan\" value=\"\"/>\n"
                      "          <cvParam cvRef=\"MS\" accession=\"%s\" name=\"%s\" value=\"\"/>\n",
                      ms_level == 1 ? "MS:1000579" : "MS:1000580",
                      ms_level == 1 ? "MS1 spectrum" : "MSn spectrum", ms_level,
                      ms_level == 1 ? "MS:1000128" : "MS:1000127",
                      ms_level == 1 ? "profile spectrum" : "centroid spectrum");
    if (s->n > 0) {
        char a[32], b[32], c[32], d[32];
        sim_writer_printf(
            w,
            "          <cvParam cvRef=\"MS\" accession=\"MS:1000504\" name=\"base peak m/z\" "
            "value=\"%s\" %s/>\n"
            "          <cvParam cvRef=\"MS\" accession=\"MS:1000505\" name=\"base peak "
            "intensity\" value=\"%s\" %s/>\n"
            "          <cvParam cvRef=\"MS\" accession=\"MS:1000285\" name=\"total ion current\" "
            "value=\"%.10g\"/>\n"
            "          <cvParam cvRef=\"MS\" accession=\"MS:1000528\" name=\"lowest observed "
            "m/z\" value=\"%s\" %s/>\n"
            "          <cvParam cvRef=\"MS\" accession=\"MS:1000527\" name=\"highest observed "
            "m/z\" value=\"%s\" %s/>\n",
            fmt_exact(a, s->base_mz), cv_unit_mz, fmt_exact(b, s->base_intensity), cv_unit_counts,
            s->tic, fmt_exact(c, s->mz[0]), cv_unit_mz, fmt_exact(d, s->mz[s->n - 1]), cv_unit_mz);
    }
}

static void write_scan(sim_writer *w, double rt, const char *filter, int preset, double iit,
                       double lower, double upper)
{
    sim_writer_printf(
        w,
        "          <scanList count=\"1\">\n"
        "            <cvParam cvRef=\"MS\" accession=\"MS:1000795\" name=\"no combination\" "
        "value=\"\"/>\n"
        "            <scan>\n"
        "              <cvParam cvRef=\"MS\" accession=\"MS:1000016\" name=\"scan start time\" "
        "value=\"%.10g\" unitCvRef=\"UO\" unitAccession=\"UO:0000031\" unitName=\"minute\"/>\n"
        "              <cvParam cvRef=\"MS\" accession=\"MS:1000512\" name=\"filter string\" "
        "value=\"%s\"/>\n"
        "              <cvParam cvRef=\"MS\" accession=\"MS:1000616\" name=\"preset scan "
        "configuration\" value=\"%d\"/>\n"
        "              <cvParam cvRef=\"MS\" accession=\"MS:1000927\" name=\"ion injection "
        "time\" value=\"%.4g\" unitCvRef=\"UO\" unitAccession=\"UO:0000028\" "
        "unitName=\"millisecond\"/>\n"
        "              <scanWindowList count=\"1\">\n"
        "                <scanWindow>\n"
        "                  <cvParam cvRef=\"MS\" accession=\"MS:1000501\" name=\"scan window "
        "lower limit\" value=\"%g\" %s/>\n"
        "                  <cvParam cvRef=\"MS\" accession=\"MS:1000500\" name=\"scan window "
        "upper limit\" value=\"%g\" %s/>\n"
        "                </scanWindow>\n"
        "              </scanWindowList>\n"
        "            </scan>\n"
        "          </scanList>\n",
        rt / 60.0, filter, preset, iit, lower, cv_unit_mz, upper, cv_unit_mz);
}

static void write_arrays(sim_writer *w, const sim_spectrum *s)
{
    sim_writer_puts(w, "          <binaryDataArrayList count=\"2\">\n");
    sim_writer_array(w, s->mz, s->n, sizeof *s->mz, cv_mz_array);
    sim_writer_array(w, s->intensity, s->n, sizeof *s->intensity, cv_intensity_array);
    sim_writer_puts(w, "          </binaryDataArrayList>\n");
}

static void write_ms1(sim_writer *w, uint64_t index, double rt, const sim_spectrum *s,
                      uint64_t *start)
{
    write_spectrum_head(w, index, 1, s, start);
    char filter[64];
    snprintf(filter, sizeof filter, "FTMS + p ESI Full ms [%.4f-%.4f]", SIM_MZ_LO, SIM_MZ_HI);
    write_scan(w, rt, filter, 1, s->injection_ms, SIM_MZ_LO, SIM_MZ_HI);
    write_arrays(w, s);
    sim_writer_puts(w, "        </spectrum>\n");
}

static void write_ms2(sim_writer *w, uint64_t index, uint64_t ms1_index, double rt,
                      const sim_precursor *p, const sim_spectrum *s, uint64_t *start)
{
    write_spectrum_head(w, index, 2, s, start);
    char filter[128];
    snprintf(filter, sizeof filter, "FTMS + c ESI d Full ms2 %.4f@hcd%.2f [%.4f-%.4f]", p->mz,
             SIM_COLLISION_EV, SIM_MS2_LO, p->upper_mz);
    write_scan(w, rt, filter, 2, s->injection_ms, SIM_MS2_LO, p->upper_mz);
    char mz[32], in[32];
    fmt_exact(mz, p->mz);
    fmt_exact(in, (double)(float)p->intensity);
    sim_writer_printf(
        w,
        "          <precursorList count=\"1\">\n"
        "            <precursor spectrumRef=\"%s%llu\">\n"
        "              <isolationWindow>\n"
        "                <cvParam cvRef=\"MS\" accession=\"MS:1000827\" name=\"isolation window "
        "target m/z\" value=\"%s\" %s/>\n"
        "                <cvParam cvRef=\"MS\" accession=\"MS:1000828\" name=\"isolation window "
        "lower offset\" value=\"%g\" %s/>\n"
        "                <cvParam cvRef=\"MS\" accession=\"MS:1000829\" name=\"isolation window "
        "upper offset\" value=\"%g\" %s/>\n"
        "              </isolationWindow>\n"
        "              <selectedIonList count=\"1\">\n"
        "                <selectedIon>\n"
        "                  <cvParam cvRef=\"MS\" accession=\"MS:1000744\" name=\"selected ion "
        "m/z\" value=\"%s\" %s/>\n"
        "                  <cvParam cvRef=\"MS\" accession=\"MS:1000041\" name=\"charge state\" "
        "value=\"%d\"/>\n"
        "                  <cvParam cvRef=\"MS\" accession=\"MS:1000042\" name=\"peak intensity\" "
        "value=\"%s\" %s/>\n"
        "                </selectedIon>\n"
        "              </selectedIonList>\n"
        "              <activation>\n"
        "                <cvParam cvRef=\"MS\" accession=\"MS:1000422\" name=\"beam-type "
        "collision-induced dissociation\" value=\"\"/>\n"
        "                <cvParam cvRef=\"MS\" accession=\"MS:1000045\" name=\"collision energy\" "
        "value=\"%g\" unitCvRef=\"UO\" unitAccession=\"UO:0000266\" unitName=\"electronvolt\"/>\n"
        "              </activation>\n"
        "            </precursor>\n"
        "          </precursorList>\n",
        native_id_prefix, (unsigned long long)(ms1_index + 1), mz, cv_unit_mz, SIM_ISOLATION_HALF,
        cv_unit_mz, SIM_ISOLATION_HALF, cv_unit_mz, mz, cv_unit_mz, (int)p->charge, in,
        cv_unit_counts, SIM_COLLISION_EV);
    write_arrays(w, s);
    sim_writer_puts(w, "        </spectrum>\n");
}

/* ---- TIC chromatogram and index -------------------------------------------------------------- */

typedef struct sim_run {
    const lv_simulate_params *p;
    uint64_t n_cycles;
    uint64_t n_spectra;
    uint64_t *offsets; /* byte offset of each <spectrum */
    double *rt;        /* seconds */
    float *tic;
} sim_run;

static void store_le64(uint8_t *dst, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    for (int b = 0; b < 8; b++)
        dst[b] = (uint8_t)(bits >> (8 * b));
}

static void fill_time_minutes(void *ctx, uint64_t first, uint64_t n, uint8_t *dst)
{
    const sim_run *run = (const sim_run *)ctx;
    for (uint64_t i = 0; i < n; i++)
        store_le64(dst + 8 * i, run->rt[first + i] / 60.0);
}

static void fill_tic(void *ctx, uint64_t first, uint64_t n, uint8_t *dst)
{
    const sim_run *run = (const sim_run *)ctx;
    for (uint64_t i = 0; i < n; i++) {
        uint32_t bits;
        memcpy(&bits, &run->tic[first + i], 4);
        for (int b = 0; b < 4; b++)
            dst[4 * i + b] = (uint8_t)(bits >> (8 * b));
    }
}

static void write_tail(sim_writer *w, sim_run *run)
{
    sim_writer_puts(w, "      </spectrumList>\n"
                       "      <chromatogramList count=\"1\" "
                       "defaultDataProcessingRef=\"lavoisier_simulation\">\n"
                       "        ");
    uint64_t chrom_offset = sim_writer_offset(w);
    sim_writer_printf(w,
                      "<chromatogram index=\"0\" id=\"TIC\" defaultArrayLength=\"%llu\">\n"
                      "          <cvParam cvRef=\"MS\" accession=\"MS:1000235\" name=\"total ion "
                      "current chromatogram\" value=\"\"/>\n"
                      "          <binaryDataArrayList count=\"2\">\n",
                      (unsigned long long)run->n_spectra);
    sim_writer_array_stream(w, fill_time_minutes, run, run->n_spectra, 8, cv_time_array);
    sim_writer_array_stream(w, fill_tic, run, run->n_spectra, 4, cv_intensity_array);
    sim_writer_puts(w, "          </binaryDataArrayList>\n"
                       "        </chromatogram>\n"
                       "      </chromatogramList>\n"
                       "    </run>\n"
                       "  </mzML>\n");
    sim_writer_puts(w, "  ");
    uint64_t index_offset = sim_writer_offset(w);
    sim_writer_puts(w, "<indexList count=\"2\">\n"
                       "    <index name=\"spectrum\">\n");
    for (uint64_t i = 0; i < run->n_spectra && sim_writer_status(w) == LV_OK; i++) {
        sim_writer_puts(w, "      <offset idRef=\"");
        sim_writer_puts(w, native_id_prefix);
        sim_writer_u64(w, i + 1);
        sim_writer_put(w, "\">", 2);
        sim_writer_u64(w, run->offsets[i]);
        sim_writer_put(w, "</offset>\n", 10);
    }
    sim_writer_puts(w, "    </index>\n"
                       "    <index name=\"chromatogram\">\n"
                       "      <offset idRef=\"TIC\">");
    sim_writer_u64(w, chrom_offset);
    sim_writer_puts(w, "</offset>\n"
                       "    </index>\n"
                       "  </indexList>\n"
                       "  <indexListOffset>");
    sim_writer_u64(w, index_offset);
    sim_writer_puts(w, "</indexListOffset>\n  <fileChecksum>");
    char hex[41];
    sim_writer_checksum(w, hex);
    sim_writer_put(w, hex, 40);
    sim_writer_puts(w, "</fileChecksum>\n</indexedmzML>\n");
}

/* ---- size planning ------------------------------------------------------------------------- */

/* What spectra cost in bytes, from calibration and then from the run itself. */
typedef struct sim_costs {
    double ms1_count, ms1_markup, ms1_payload, ms1_budget; /* sums */
    double ms2_count, ms2_bytes;
} sim_costs;

static double ms1_markup(const sim_costs *c)
{
    return c->ms1_markup / c->ms1_count;
}
static double ms1_per_point(const sim_costs *c)
{
    return c->ms1_payload / c->ms1_budget;
}
static double ms2_bytes(const sim_costs *c)
{
    return c->ms2_count > 0 ? c->ms2_bytes / c->ms2_count : 0.0;
}

static unsigned digits(uint64_t v)
{
    unsigned d = 1;
    while (v >= 10) {
        v /= 10;
        d++;
    }
    return d;
}

/* Bytes after the last spectrum: the index lines and the TIC chromatogram's share per spectrum,
 * plus fixed markup. */
static double tail_bytes(const lv_simulate_params *p, uint64_t n_spectra)
{
    double index_line = strlen("      <offset idRef=\"\"></offset>\n") + strlen(native_id_prefix) +
                        digits(n_spectra) + digits(p->target_bytes);
    double tic_point = p->compress ? 12.0 : 16.0; /* base64 of 8 + 4 bytes, about 3/4 deflated */
    return SIM_TAIL_FIXED + (double)n_spectra * (index_line + tic_point);
}

typedef struct sim_scratch {
    sim_spectrum ms1;
    sim_spectrum ms2;
    sim_precursor *prec;
} sim_scratch;

/* Generates and encodes calibration cycles into a counting writer, in the middle of a run of
 * n_cycles, and records their costs. */
static lv_status calibrate(const lv_simulate_params *p, sim_model *model, uint64_t n_cycles,
                           sim_scratch *sc, sim_costs *costs)
{
    sim_gen *gen = NULL;
    sim_writer *w = NULL;
    lv_status st = sim_gen_create(model, p->seed, STREAM_CALIBRATION, &gen);
    if (st == LV_OK) st = sim_writer_create(NULL, (int)p->compress, &w);
    uint64_t index = n_cycles * (1 + (uint64_t)p->ms2_per_cycle) / 2;
    for (int c = 0; c < SIM_CALIBRATION_CYCLES && st == LV_OK; c++) {
        double rt = (double)n_cycles * p->cycle_seconds * (c + 1.0) / 4.0;
        st = sim_gen_ms1(gen, rt, p->ms1_points, &sc->ms1);
        if (st != LV_OK) break;
        uint64_t off = sim_writer_offset(w), pay = sim_writer_payload(w);
        uint64_t start;
        write_ms1(w, index, rt, &sc->ms1, &start);
        uint64_t payload = sim_writer_payload(w) - pay;
        costs->ms1_count += 1;
        costs->ms1_markup += (double)(sim_writer_offset(w) - off - payload);
        costs->ms1_payload += (double)payload;
        costs->ms1_budget += p->ms1_points;
        st = sim_gen_select(gen, rt, p->ms2_per_cycle, sc->prec);
        for (uint32_t i = 0; i < p->ms2_per_cycle && st == LV_OK; i++) {
            st = sim_gen_ms2(gen, &sc->prec[i], &sc->ms2);
            if (st != LV_OK) break;
            off = sim_writer_offset(w);
            write_ms2(w, index + 1 + i, index, rt + 0.1, &sc->prec[i], &sc->ms2, &start);
            costs->ms2_count += 1;
            costs->ms2_bytes += (double)(sim_writer_offset(w) - off);
        }
        if (st == LV_OK) st = sim_writer_status(w);
    }
    sim_writer_destroy(w);
    sim_gen_destroy(gen);
    return st;
}

/* Points for the next MS1 scan: what the bytes still allowed leave per remaining cycle. */
static uint32_t ms1_budget(const sim_run *run, const sim_costs *c, uint64_t cycle, uint64_t written)
{
    const lv_simulate_params *p = run->p;
    double left = (double)(run->n_cycles - cycle);
    double avail = (double)p->target_bytes - (double)written - tail_bytes(p, run->n_spectra) -
                   left * (p->ms2_per_cycle * ms2_bytes(c) + ms1_markup(c));
    double pts = avail / left / ms1_per_point(c);
    /* A target below one cycle still gets one whole cycle, with as few MS1 points as it takes
     * to come close to the target. */
    double lo = run->n_cycles == 1 ? 1.0 : SIM_BUDGET_MIN * p->ms1_points;
    double hi = SIM_BUDGET_MAX * p->ms1_points;
    if (!(pts >= lo)) pts = lo; /* also NaN */
    if (pts > hi) pts = hi;
    return pts < 1 ? 1 : (uint32_t)llround(pts);
}

static lv_status validate(const char *path, const lv_simulate_params *p)
{
    RETURN_ERROR_IF(path == NULL || path[0] == '\0', LV_ERR_INVALID_ARGUMENT,
                    "simulate: the output path is %s", path ? "empty" : "NULL");
    RETURN_ERROR_IF(p->target_bytes == 0 || p->target_bytes > SIM_MAX_TARGET,
                    LV_ERR_INVALID_ARGUMENT, "simulate: target_bytes %llu is outside 1..%llu",
                    (unsigned long long)p->target_bytes, (unsigned long long)SIM_MAX_TARGET);
    RETURN_ERROR_IF(p->ms1_points == 0 || p->ms1_points > SIM_MAX_MS1_POINTS,
                    LV_ERR_INVALID_ARGUMENT, "simulate: ms1_points %u is outside 1..%u",
                    (unsigned)p->ms1_points, SIM_MAX_MS1_POINTS);
    RETURN_ERROR_IF(p->ms2_per_cycle > SIM_MAX_MS2_PER_CYCLE, LV_ERR_INVALID_ARGUMENT,
                    "simulate: ms2_per_cycle %u is above %u", (unsigned)p->ms2_per_cycle,
                    SIM_MAX_MS2_PER_CYCLE);
    RETURN_ERROR_IF(p->n_compounds > SIM_MAX_COMPOUNDS, LV_ERR_INVALID_ARGUMENT,
                    "simulate: n_compounds %u is above %u", (unsigned)p->n_compounds,
                    SIM_MAX_COMPOUNDS);
    RETURN_ERROR_IF(!(p->cycle_seconds > 0 && p->cycle_seconds <= 3600), LV_ERR_INVALID_ARGUMENT,
                    "simulate: cycle_seconds %g is outside (0, 3600]", p->cycle_seconds);
    RETURN_ERROR_IF(p->compress > 1, LV_ERR_INVALID_ARGUMENT,
                    "simulate: compress is %u, expected 0 or 1", (unsigned)p->compress);
    return LV_OK;
}

/* malloc for n elements; NULL with *st set (and the message) when it fails. */
static void *alloc_array(uint64_t n, size_t elem, lv_status *st)
{
    void *p = n <= SIZE_MAX / elem ? malloc((size_t)n * elem) : NULL;
    if (!p)
        *st = lv_error_set(LV_ERR_NO_MEMORY, "simulate: out of memory allocating %llu x %zu bytes",
                           (unsigned long long)n, elem);
    return p;
}

/* Plans the run: its number of cycles from calibration, then the model's run length. */
static lv_status plan(const lv_simulate_params *p, sim_model *model, sim_scratch *sc,
                      sim_costs *costs, uint64_t *n_cycles)
{
    const uint64_t per_cycle_spectra = 1 + (uint64_t)p->ms2_per_cycle;
    sim_writer *w = NULL;
    FORWARD_IF_ERROR(sim_writer_create(NULL, (int)p->compress, &w));
    write_header(w, p, 0);
    double header = (double)sim_writer_offset(w);
    sim_writer_destroy(w);

    /* A first guess sets the run length (and so how many analytes co-elute) for calibration. */
    double guess = p->ms1_points * (p->compress ? 12.0 : 16.0) + 3000.0 * (double)per_cycle_spectra;
    double n0 = floor((double)p->target_bytes / guess);
    uint64_t cycles0 = n0 < 1 ? 1 : (uint64_t)n0;
    sim_model_set_run(model, (double)cycles0 * p->cycle_seconds);
    FORWARD_IF_ERROR(calibrate(p, model, cycles0, sc, costs));

    uint64_t spectra0 = cycles0 * per_cycle_spectra;
    double tail_per_spectrum = (tail_bytes(p, spectra0) - SIM_TAIL_FIXED) / (double)spectra0;
    double cycle = ms1_markup(costs) + ms1_per_point(costs) * p->ms1_points +
                   p->ms2_per_cycle * ms2_bytes(costs) + per_cycle_spectra * tail_per_spectrum;
    double n = floor(((double)p->target_bytes - header - SIM_TAIL_FIXED) / cycle + 0.5);
    *n_cycles = n < 1 ? 1 : (uint64_t)n;
    sim_model_set_run(model, (double)*n_cycles * p->cycle_seconds);
    return LV_OK;
}

static lv_status write_run(sim_writer *w, sim_run *run, sim_gen *gen, sim_scratch *sc,
                           sim_costs *costs)
{
    const lv_simulate_params *p = run->p;
    const uint32_t n2 = p->ms2_per_cycle;
    sim_rng timing;
    sim_rng_seed(&timing, p->seed, STREAM_TIMING);
    write_header(w, p, run->n_spectra);
    for (uint64_t c = 0; c < run->n_cycles; c++) {
        /* Cycle start with a little scheduling jitter; MS2 scans share the rest of the cycle. */
        double rt = (c + 0.005 + 0.015 * sim_uniform(&timing)) * p->cycle_seconds;
        uint32_t budget = ms1_budget(run, costs, c, sim_writer_offset(w));
        FORWARD_IF_ERROR(sim_gen_ms1(gen, rt, budget, &sc->ms1));
        uint64_t ms1_index = c * (1 + (uint64_t)n2);
        uint64_t off = sim_writer_offset(w), pay = sim_writer_payload(w);
        run->rt[ms1_index] = rt;
        run->tic[ms1_index] = (float)sc->ms1.tic;
        write_ms1(w, ms1_index, rt, &sc->ms1, &run->offsets[ms1_index]);
        sim_writer_hash(w);
        uint64_t payload = sim_writer_payload(w) - pay;
        costs->ms1_count += 1;
        costs->ms1_markup += (double)(sim_writer_offset(w) - off - payload);
        costs->ms1_payload += (double)payload;
        costs->ms1_budget += budget;

        FORWARD_IF_ERROR(sim_gen_select(gen, rt, n2, sc->prec));
        for (uint32_t i = 0; i < n2; i++) {
            uint64_t index = ms1_index + 1 + i;
            double rt2 = rt + p->cycle_seconds * 0.97 * (i + 1) / (n2 + 1.0);
            FORWARD_IF_ERROR(sim_gen_ms2(gen, &sc->prec[i], &sc->ms2));
            off = sim_writer_offset(w);
            run->rt[index] = rt2;
            run->tic[index] = (float)sc->ms2.tic;
            write_ms2(w, index, ms1_index, rt2, &sc->prec[i], &sc->ms2, &run->offsets[index]);
            sim_writer_hash(w);
            costs->ms2_count += 1;
            costs->ms2_bytes += (double)(sim_writer_offset(w) - off);
        }
        FORWARD_IF_ERROR(sim_writer_status(w));
    }
    write_tail(w, run);
    return sim_writer_status(w);
}

static lv_status simulate(const char *path, const lv_simulate_params *p)
{
    sim_model *model = NULL;
    sim_gen *gen = NULL;
    sim_writer *w = NULL;
    sim_scratch sc;
    sim_run run;
    sim_costs costs;
    memset(&sc, 0, sizeof sc);
    memset(&run, 0, sizeof run);
    memset(&costs, 0, sizeof costs);
    run.p = p;

    lv_status st = LV_OK;
    sc.prec = (sim_precursor *)alloc_array(p->ms2_per_cycle + 1, sizeof *sc.prec, &st);
    if (st == LV_OK) st = sim_model_create(p->seed, p->n_compounds, &model);
    if (st == LV_OK) st = plan(p, model, &sc, &costs, &run.n_cycles);
    if (st == LV_OK) {
        run.n_spectra = run.n_cycles * (1 + (uint64_t)p->ms2_per_cycle);
        run.offsets = (uint64_t *)alloc_array(run.n_spectra, sizeof *run.offsets, &st);
    }
    if (st == LV_OK) run.rt = (double *)alloc_array(run.n_spectra, sizeof *run.rt, &st);
    if (st == LV_OK) run.tic = (float *)alloc_array(run.n_spectra, sizeof *run.tic, &st);
    if (st == LV_OK) st = sim_gen_create(model, p->seed, STREAM_SCANS, &gen);
    if (st == LV_OK) st = sim_writer_create(path, (int)p->compress, &w);
    if (st == LV_OK) st = write_run(w, &run, gen, &sc, &costs);
    if (st == LV_OK) st = sim_writer_commit(w);
    sim_writer_destroy(w); /* deletes the temporary file unless committed */
    sim_gen_destroy(gen);
    sim_model_destroy(model);
    sim_spectrum_free(&sc.ms1);
    sim_spectrum_free(&sc.ms2);
    free(sc.prec);
    free(run.offsets);
    free(run.rt);
    free(run.tic);
    return st;
}

LV_API lv_status lv_simulate(const char *path, const lv_simulate_params *params)
{
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_simulate_params);
    lv_simulate_params defaults;
    if (!params) {
        lv_simulate_params_init(&defaults);
        params = &defaults;
    }
    FORWARD_IF_ERROR(validate(path, params));
    /* Numbers in the markup must use '.', whatever locale the calling program has set. */
    locale_t c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    RETURN_ERROR_IF(c_locale == (locale_t)0, LV_ERR_NO_MEMORY, "simulate: no C locale");
    locale_t previous = uselocale(c_locale);
    lv_status st = simulate(path, params);
    uselocale(previous);
    freelocale(c_locale);
    if (st == LV_OK) lv_error_clear();
    return st;
}
