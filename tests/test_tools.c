/* Tests of the API that tools use to rewrite model files (lolcat-quantize). */

/* lc_model_meta_get: re-encoding every entry (key, type, raw value) in order must give back
   the file's metadata section byte for byte, for every value type a model carries. */
static void test_meta_entries(void) {
    tm_spec s = tm_default();
    size_t size = 0, k_off = 24, i;
    unsigned char *file;
    lc_model *m = NULL;
    lc_meta_entry e;
    int n, ok = 1, saw_array = 0, saw_str_array = 0, saw_string = 0;
    s.lora_rank = 4;
    file = tm_build(&s, &size);
    CHECK_OK(lc_model_open_memory(file, size, NULL, &m));
    if (!m) { free(file); return; }
    n = lc_model_meta_count(m);
    CHECK(n > 10, "a model has many metadata entries, got %d", n);
    for (i = 0; i < (size_t)n && ok; i++) {
        uint64_t key_len;
        uint32_t type;
        CHECK_OK(lc_model_meta_get(m, (int)i, &e));
        memcpy(&key_len, file + k_off, 8);
        memcpy(&type, file + k_off + 8 + key_len, 4);
        ok = key_len == e.key_len && !memcmp(file + k_off + 8, e.key, e.key_len) && type == e.type
             && k_off + 12 + key_len + e.raw_size <= size && !memcmp(e.raw, file + k_off + 12 + key_len, (size_t)e.raw_size);
        saw_array |= e.type == 9;
        saw_string |= e.type == 8;
        if (e.type == 9) { uint32_t et; memcpy(&et, e.raw, 4); saw_str_array |= et == 8; }
        k_off += 12 + key_len + e.raw_size;
    }
    CHECK(ok, "entry %d: key, type or raw value differs from the file", (int)i - 1);
    CHECK(saw_array && saw_str_array && saw_string, "the model has arrays, string arrays and strings");
    {   /* the next bytes after the last entry are the first tensor info: its name */
        lc_tensor_info t;
        uint64_t name_len;
        const int got = lc_model_tensor_get(m, 0, &t) == LOLCAT_OK;
        CHECK(got, "tensor 0's info");
        memcpy(&name_len, file + k_off, 8);
        CHECK(got && name_len == strlen(t.name) && !memcmp(file + k_off + 8, t.name, name_len),
              "raw sizes add up to the whole metadata section");
    }
    CHECK(lc_model_meta_get(m, -1, &e) == LOLCAT_ERR_INVALID_ARGUMENT, "index -1 refused");
    CHECK(lc_model_meta_get(m, n, &e) == LOLCAT_ERR_INVALID_ARGUMENT, "index == count refused");
    CHECK(lc_model_meta_get(m, 0, NULL) == LOLCAT_ERR_INVALID_ARGUMENT, "NULL entry refused");
    CHECK(lc_model_meta_count(NULL) == 0 && lc_model_meta_get(NULL, 0, &e) == LOLCAT_ERR_INVALID_ARGUMENT, "NULL model");
    lc_model_close(m);
    free(file);
}

#define T_TOOLS_SUITES \
    {"tools/meta_entries", test_meta_entries},
