/* lucid-model-config.h — what a Hugging Face model directory says about itself.
 *
 * config.json (architecture hyper-parameters, activation, eps, labels) and the
 * sentence-transformers files (modules.json, 1_Pooling/config.json,
 * sentence_bert_config.json). Nothing that these files specify is hard-coded
 * elsewhere in Lucid.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include "lucid-scores.h"
#include "lucid-text-model.h"

G_BEGIN_DECLS

typedef enum {
  LUCID_ACT_GELU,           /* exact: 0.5·x·(1 + erf(x/√2)) — config "gelu" */
  LUCID_ACT_GELU_TANH,      /* "gelu_new", "gelu_pytorch_tanh", "gelu_fast" */
  LUCID_ACT_RELU,
  LUCID_ACT_SILU,           /* "silu", "swish" */
  LUCID_ACT_QUICK_GELU,     /* x·σ(1.702·x) (CLIP) */
} LucidActivation;

/* Helpers every model family's config.json loader shares; errors name
 * @path and the key. */
/* DIR/config.json's bytes; *path_out receives the file's path. */
char *lucid_config_read (const char *dir, char **path_out, gsize *len,
    GError **error);
/* Parses @data and checks that it is an object (*obj, owned by the result). */
JsonNode *lucid_config_parse (const char *data, gsize len, const char *path,
    JsonObject **obj, GError **error);
/* The "model_type" key, which must be @expected; anything else (or none)
 * fails with "model_type \"…\" is not @what (expected \"@expected\")".
 * The string belongs to @obj. */
const char *lucid_config_get_model_type (JsonObject *obj, const char *expected,
    const char *what, const char *path, GError **error);
/* A required integer in [1, @max]. */
gboolean lucid_config_get_dim (JsonObject *obj, const char *key, gint64 max,
    guint *out, const char *path, GError **error);
/* The transformer encoder's sizes every family names alike, read in this
 * order: hidden_size, num_hidden_layers, num_attention_heads,
 * intermediate_size (all required). */
gboolean lucid_config_get_encoder_dims (JsonObject *obj, guint *hidden_size,
    guint *num_hidden_layers, guint *num_attention_heads,
    guint *intermediate_size, const char *path, GError **error);
/* Fails unless @hidden_size splits evenly into @num_attention_heads. */
gboolean lucid_config_check_heads (guint hidden_size,
    guint num_attention_heads, const char *path, GError **error);
/* A LayerNorm epsilon in (0, 1) that stays non-zero as float32. */
gboolean lucid_config_get_eps (JsonObject *obj, const char *key,
    double fallback, float *out, const char *path, GError **error);
/* An activation name (@fallback when the key is absent). */
gboolean lucid_config_get_activation (JsonObject *obj, const char *key,
    const char *fallback, LucidActivation *out, const char *path,
    GError **error);

/* Reads config.json's optional "id2label" ({"0": "a", "1": "b", ...}) into a
 * NULL-terminated array (NULL and 0 when absent); errors name @path. */
gboolean lucid_config_read_id2label (JsonObject *obj, const char *path,
    char ***labels, guint *n_labels, GError **error);

/* Reads the optional "problem_type" (UNSET when absent or null); any other
 * value than the three transformers knows is an error naming @path. */
gboolean lucid_config_read_problem_type (JsonObject *obj, const char *path,
    LucidProblemType *out, GError **error);
/* Parses a config.json `hidden_act` value; FALSE when unknown. */
gboolean lucid_activation_from_string (const char *s, LucidActivation *out);

typedef struct {
  char *model_type;            /* "bert" */
  guint vocab_size;
  guint hidden_size;
  guint num_hidden_layers;
  guint num_attention_heads;
  guint intermediate_size;
  guint max_position_embeddings;
  guint type_vocab_size;
  float layer_norm_eps;
  LucidActivation hidden_act;
  gint pad_token_id;           /* -1 when absent */
  guint num_labels;            /* size of id2label (0 when absent) */
  char **id2label;             /* [num_labels], NULL-terminated */
  LucidProblemType problem_type;
  char *json;                  /* config.json as read */
} LucidBertConfig;

/* Reads DIR/config.json; errors name the file and the key. */
LucidBertConfig *lucid_bert_config_load (const char *dir, GError **error);
/* Parses config.json text held in memory; @path names it in errors. (The
 * fuzzer's entry.) */
LucidBertConfig *lucid_bert_config_new_from_data (const char *data, gsize len,
    const char *path, GError **error);
void lucid_bert_config_free (LucidBertConfig *config);

/* sentence-transformers files, all optional. */
typedef struct {
  gboolean present;            /* modules.json exists */
  LucidPooling pooling;        /* from 1_Pooling/config.json, or DEFAULT */
  gboolean pooling_sqrt_len;   /* pooling_mode_mean_sqrt_len_tokens */
  gboolean normalize;          /* a sentence_transformers.models.Normalize module */
  guint max_seq_length;        /* sentence_bert_config.json; 0 when absent */
} LucidSentenceConfig;

gboolean lucid_sentence_config_load (const char *dir, LucidSentenceConfig *out,
    GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LucidBertConfig, lucid_bert_config_free)

G_END_DECLS
