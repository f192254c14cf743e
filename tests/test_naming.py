"""The name parser: version forms, sizes, quantization, families, segments, vocabulary, label scores."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hfaudit.analyse.naming import SEGMENT_TYPES, Vocabulary, parse_name, split_version
from hfaudit.lab.naming_eval import held_out, label_types, score

REF = Path(__file__).resolve().parents[1] / ".." / "shared" / "reference"
LABELS = REF / "paper-replication" / "dataset_folder" / "manually_analyzed.csv"


@pytest.mark.parametrize(
    ("model_id", "raw", "scheme"),
    [
        ("a/model-v1", "v1", "major"),
        ("a/model_v2", "v2", "major"),
        ("a/model-v156", "v156", "major"),
        ("a/model-v0.1", "v0.1", "minor"),
        ("a/model_v1.5", "v1.5", "minor"),
        ("a/model-V2", "V2", "major"),
        ("a/model-v1.0.0", "v1.0.0", "semver"),
        ("a/WeniGPT-1.0.0-Mistral-7B", "1.0.0", "semver"),
        ("a/model-2024-05-01", "2024-05-01", "date"),
        ("a/model-20240501", "20240501", "date"),
        ("a/Mistral_Sparse_refined_web_relu_2024-03-01", "2024-03-01", "date"),
        ("a/model-0.1", "0.1", "numeric"),
        ("a/Hyperion-1.5-Mistral-7B", "1.5", "numeric"),
        ("a/model-r1", "r1", "major"),
        ("a/model", None, "none"),
        ("a/Mistral-7B-Instruct-v0.2-i1-GGUF", "v0.2", "minor"),
    ],
)
def test_version_forms(model_id: str, raw: str | None, scheme: str) -> None:
    p = parse_name(model_id)
    assert (p.version_raw, p.version_scheme) == (raw, scheme)


def test_i1_is_imatrix_not_a_version() -> None:
    p = parse_name("mradermacher/Foo-7B-i1-GGUF")
    assert p.version_scheme == "none"
    assert p.quant_format == "GGUF"


def test_version_keys_sort_as_versions() -> None:
    keys = [split_version(v)[1] for v in ("v1", "v1.2", "v1.10", "v2", "v10")]  # type: ignore[index]
    assert keys == sorted(keys)
    # A capital V and a dash between the numbers are still version v1.0 (minor), with v1.0's key.
    assert split_version("V1-0") == split_version("v1.0") == ("minor", "000001.000000.000000")
    assert parse_name("a/x-V1-0").version_key == split_version("v1.0")[1]  # type: ignore[index]
    assert split_version("21022024") == ("date", "002024.000002.000021")


@pytest.mark.parametrize(
    ("model_id", "size"),
    [
        ("a/Llama-2-7b-hf", 7_000_000_000),
        ("a/TinyLlama-1.1B-x", 1_100_000_000),
        ("a/esm2_t12_35M_UR50D", 35_000_000),
        ("a/Mixtral-8x7B-v0.1", 7_000_000_000),  # one expert; experts == 8 (test below)
        ("a/archangel_sft-kto_llama7b", 7_000_000_000),
        ("a/bert-base-uncased", None),
    ],
)
def test_size(model_id: str, size: int | None) -> None:
    assert parse_name(model_id).size_params == size


@pytest.mark.parametrize(
    ("model_id", "quant"),
    [
        ("a/Llama-3-8B-Instruct-Q4_K_M-GGUF", "GGUF:Q4_K_M"),
        ("a/Qwen2-7B-IQ2_XS-GGUF", "GGUF:IQ2_XS"),
        ("TheBloke/Mistral-7B-v0.1-GPTQ", "GPTQ"),
        ("TheBloke/dolphin-2_2-yi-34b-AWQ", "AWQ"),
        ("a/x-4.0bpw-exl2", "EXL2:4.0bpw"),
        ("unsloth/llama-3-8b-bnb-4bit", "bnb:4bit"),
        ("mlx-community/Mistral-7B-4bit-mlx", "MLX:4bit"),
        ("a/phi-2-fp16", "fp16"),
        ("a/bert-base-uncased", None),
        ("a/Q2_default_7030", None),
    ],
)
def test_quant_format(model_id: str, quant: str | None) -> None:
    assert parse_name(model_id).quant_format == quant


def test_family_and_variants() -> None:
    p = parse_name("AlanHou/xlm-roberta-base-finetuned-panx-en")
    assert p.family == "xlm-roberta"
    assert p.segments[0].text == "xlm-roberta-base"
    assert "finetuned" in p.variants
    assert parse_name("a/zephyr-gemma-dpo").family == "gemma"  # the base, not the brand
    assert parse_name("a/my-gptq-model").family is None  # "gpt" is not read inside "gptq"


def test_segments_cover_the_name_and_use_the_study_types() -> None:
    for model_id in ("a/x", "b/Yi-Ko-6B-instruct-v1.2", "c/my_awesome_eli5_mlm_model", "d/2ch-wg-24-01-01-26834"):
        p = parse_name(model_id)
        assert p.segments
        assert all(s.type in SEGMENT_TYPES for s in p.segments)
        assert p.convention == "".join("{" + s.type + "}" for s in p.segments)


def test_examples_from_the_study() -> None:
    assert parse_name("allenai/tulu-2-70b").convention == "{identifier}{size}"
    assert parse_name("Khadidja22/my_awesome_sentiment_model").convention == "{description}"
    assert parse_name("andysalerno/rainbowfish-v3").convention == "{identifier}{version}"
    assert parse_name("owner203/japanese-llama-2-13b").convention == "{language}{base-model}{size}"


def test_vocabulary_extend_learns_base_models_and_types() -> None:
    v = Vocabulary()
    before = parse_name("x/Zorblax-Nine-7B-ft", v)
    assert before.family is None
    assert v.extend(base_models=["org/Zorblax-Nine-v1"], model_types=["zorblax"]) == 2
    after = parse_name("x/Zorblax-Nine-7B-ft", v)
    assert after.segments[0].type == "base-model"
    assert after.family == "zorblax"
    assert v.extend(base_models=["org/Zorblax-Nine-v1"]) == 0  # known now
    assert v.extend(datasets=["someone/wonderdata"]) == 1
    assert [s.type for s in parse_name("x/bert-wonderdata", v).segments] == ["base-model", "dataset"]


def test_score_counts_multisets() -> None:
    assert label_types("{identifier}{nationality}") == ["identifier", "language"]
    s = score([("a/rainbowfish-v3", "{identifier}{version}"), ("a/rainbowfish-v3", "{identifier}{size}")])
    assert s.exact == 0.5
    assert s.f1 == pytest.approx(0.75)


def _labels() -> list[tuple[str, str]]:
    if not LABELS.is_file():
        pytest.skip("study labels not present (../shared/reference)")
    with LABELS.open(encoding="utf-8") as f:
        return [(r["selected_model"], r["Conventional naming"]) for r in csv.DictReader(f)]


def test_labels_held_out_third() -> None:
    """The hash-chosen third the rules were never tuned on: the issue's targets hold there too."""
    held = [p for p in _labels() if held_out(p[0])]
    s = score(held)
    assert len(held) == 69
    assert s.exact >= 0.50, s
    assert s.f1 >= 0.80, s


def test_labels_all() -> None:
    s = score(_labels())
    assert s.exact >= 0.50, s
    assert s.f1 >= 0.80, s


def test_parse_names_equals_parse_name_and_restores_the_collector() -> None:
    import gc

    from hfaudit.analyse.naming import parse_names

    ids = ["TheBloke/Llama-2-7B-GGUF", "bert-base-uncased", "org/my_awesome_model", "a/Qwen2.5-7B-Instruct-v1.0.0"]
    assert [p.as_row() for p in parse_names(ids)] == [parse_name(m).as_row() for m in ids]
    assert gc.isenabled()
    gc.disable()
    try:
        parse_names(ids)
        assert not gc.isenabled()  # a caller's own pause is left as it was
    finally:
        gc.enable()
    with pytest.raises(AttributeError):
        parse_names([None])  # type: ignore[list-item]
    assert gc.isenabled()  # restored after an error too


def _sample_ids() -> list[str]:
    ids = [
        "TheBloke/Llama-2-7B-GGUF",
        "bert-base-uncased",
        "org/my_awesome_model",
        "a/Qwen2.5-7B-Instruct-v1.0.0",
        "x/model-2024-05-01",
        "x/model_20240501",
        "x/Meta-Llama-3-8B-Instruct.Q4_K_M",
        "x/gemma-2b-it-r1-i1",
        "x/mistral-7b-lr-1e-05-epochs-3",
        "x/t5 small  finetuned--squad-",
    ]
    study = Path(__file__).resolve().parents[2] / "shared/reference/paper-replication/RQ2_result/all_NLP_with_quantization.csv"
    if study.is_file():
        with study.open(encoding="utf-8") as f:
            ids += [row["model_name"] for row in csv.DictReader(f)]
    else:
        from hfaudit.fakehub.generate import generate

        ids += [str(line["id"]) for line in generate(500, 3)[0]]
    return ids


def test_compiled_parser_gives_the_pure_parsers_results() -> None:
    import hfaudit.analyse.naming as naming
    from hfaudit.analyse.naming import parser as pure

    if not naming.IMPLEMENTATION.startswith("compiled"):
        pytest.skip(f"the name parser in use is {naming.IMPLEMENTATION}")
    assert naming.parse_name is not pure.parse_name
    ids = _sample_ids()
    vc, vp = naming.Vocabulary(), pure.Vocabulary()
    for v in (vc, vp):
        v.extend(model_types=["qwen2"], base_models=["meta-llama/Llama-2-7b-hf"], datasets=["squad"])
    for m in ids:
        c, p = naming.parse_name(m, vc), pure.parse_name(m, vp)
        assert c.as_row() == p.as_row(), m
        assert [(s.text, s.type) for s in c.segments] == [(s.text, s.type) for s in p.segments], m


@pytest.mark.parametrize(("attribute", "name"), [("_SOURCE", "parser.py"), ("_TYPES", "parser.pxd")])
def test_an_out_of_date_compiled_parser_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, attribute: str, name: str
) -> None:
    import hfaudit.analyse.naming as naming

    if not naming.IMPLEMENTATION.startswith("compiled"):
        pytest.skip(f"the name parser in use is {naming.IMPLEMENTATION}")
    # The compiled copy was stamped with the digest of both files (digest.source_digest, via setup.py).
    assert naming._cparser.SOURCE_SHA256 == naming.current_digest()
    edited = tmp_path / name
    edited.write_text(getattr(naming, attribute).read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    monkeypatch.setattr(naming, attribute, edited)
    with pytest.warns(UserWarning, match="older parser.py or parser.pxd"):
        module, implementation = naming._load()
    assert module.__name__ == "hfaudit.analyse.naming.parser"
    assert implementation == "pure Python (compiled copy out of date)"


def test_the_source_digest_counts_each_file() -> None:
    from hfaudit.analyse.naming.digest import source_digest

    # with or without a .pxd, and which bytes are in which file
    cases = [(b"a", None), (b"a", b""), (b"a", b"b"), (b"ab", None), (b"", b"ab")]
    assert len({source_digest(s, t) for s, t in cases}) == len(cases)


# --- the four errors of issue 15, one test each ------------------------------------------------


def test_it_after_a_size_is_instruct_not_italian() -> None:
    p = parse_name("google/gemma-2-9b-it")
    assert p.segment_pairs() == [["gemma-2", "base-model"], ["9b", "size"], ["it", "training-mechanism"]]
    assert p.variants == ("instruct",)
    # Italian where a language is expected, and then no ``instruct`` variant either.
    q = parse_name("Helsinki-NLP/opus-mt-en-it")
    assert q.segment_pairs()[-1] == ["en-it", "language"]
    assert "instruct" not in q.variants


def test_it_before_a_language_code_is_italian_even_after_a_size() -> None:
    # ``occiglot-7b-it-en``: a language pair after the size, not an instruct model
    p = parse_name("occiglot/occiglot-7b-it-en")
    assert p.segment_pairs() == [["occiglot", "identifier"], ["7b", "size"], ["it-en", "language"]]
    assert "instruct" not in p.variants
    # a language after ``it`` only: ``it`` at the end, or before another word, is still instruct
    q = parse_name("x/mistral-7b-it-ft")
    assert q.segment_pairs()[2] == ["it", "training-mechanism"] and q.variants[0] == "instruct"


def test_instruct_then_a_quantization_method_are_two_segments() -> None:
    p = parse_name("Qwen/Qwen2.5-7B-Instruct-AWQ")
    # A quantization method is a mechanism (as the study's labeller wrote GPTQ/AWQ), a segment of its own.
    assert p.segment_pairs()[-2:] == [["Instruct", "training-mechanism"], ["AWQ", "training-mechanism"]]
    assert p.convention == "{base-model}{size}{training-mechanism}{training-mechanism}"
    assert p.quant_format == "AWQ"
    # Other mechanisms still merge (``sft-dpo`` is one segment).
    assert parse_name("x/foo-sft-dpo").segment_pairs() == [["foo", "identifier"], ["sft-dpo", "training-mechanism"]]


@pytest.mark.parametrize(
    "model_id", ["TheBloke/Llama-2-7B-GGUF", "x/Llama-2-7B-Q4_K_M-GGUF", "x/phi-3-mlx", "x/bar-onnx", "x/baz-exl2"]
)
def test_weight_formats_are_variants_not_training(model_id: str) -> None:
    types = [t for _, t in parse_name(model_id).segment_pairs()]
    assert "training-mechanism" not in types
    assert types[-1] == "variant-type"


def test_mixture_of_experts_size_is_per_expert() -> None:
    p = parse_name("mistralai/Mixtral-8x7B-v0.1")
    assert (p.experts, p.size_params) == (8, 7_000_000_000)  # not 56B: experts share layers
    row = p.as_row()
    assert row["experts"] == 8 and row["size_params"] == 7_000_000_000
    dense = parse_name("meta-llama/Llama-2-7b-hf")
    assert (dense.experts, dense.size_params) == (None, 7_000_000_000)


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("bert-base-uncased", "I"),
        ("Llama-2-7b-chat-hf", "IT"),
        ("distilbert-base-uncased-finetuned-sst-2-english", "IA"),
        ("text-to-image", "T"),
        ("garbage-classification", "A"),
        ("xoakkeyy", "O"),
        # The words of a pipeline tag or a modality qualify no application.
        ("voice-activity-detection", "T"),
        ("img2txt", "T"),
    ],
)
def test_jiang_class(name: str, cls: str) -> None:
    assert parse_name(name).jiang_class == cls
    assert parse_name(name).as_row()["jiang_class"] == cls


def test_it_between_languages_stays_italian() -> None:
    assert parse_name("Helsinki-NLP/opus-mt-it-en").segment_pairs()[-1] == ["it-en", "language"]


# --- generalisation round (issue 15): rules checked on the silver corpus's report half -----------


@pytest.mark.parametrize(
    ("model_id", "first"),
    [
        ("jhgan/ko-sbert-sts", ["ko", "language"]),
        ("NlpHUST/vi-electra-small", ["vi", "language"]),
        ("p208p2002/zh-wiki-punctuation-restore", ["zh", "language"]),
        ("hyunseoki/ko-en-llama2-13b", ["ko-en", "language"]),
        # A leading code that is also a word or an abbreviation stays the identifier.
        ("x/it-sentiment", ["it", "identifier"]),
        ("x/no-flash-attn", ["no-flash-attn", "identifier"]),
        ("x/ml-agents-demo", ["ml-agents-demo", "identifier"]),
    ],
)
def test_a_leading_language_code_is_a_language_unless_it_is_a_word(model_id: str, first: list[str]) -> None:
    assert parse_name(model_id).segment_pairs()[0] == first


def test_iso_639_language_names() -> None:
    p = parse_name("NbAiLab/nb-wav2vec2-300m-nynorsk")
    assert p.segment_pairs() == [["nb", "language"], ["wav2vec2", "base-model"], ["300m", "size"], ["nynorsk", "language"]]
    assert p.jiang_class == "IA"


def test_one_word_after_finetuned_is_the_data_set() -> None:
    # ``{model}-finetuned-{dataset}``, the default name of a Trainer fine-tune.
    p = parse_name("MCG-NJU/videomae-base-finetuned-kinetics")
    assert p.segment_pairs()[-2:] == [["finetuned", "variant-type"], ["kinetics", "dataset"]]
    # A task after ``finetuned`` still joins it, and a run of free words stays a description.
    assert parse_name("x/bert-finetuned-ner").segment_pairs()[-1] == ["finetuned-ner", "variant-type"]
    assert parse_name("x/esm2-finetuned-localization-only-config").segment_pairs()[-1][1] == "description"


@pytest.mark.parametrize(("model_id", "size"), [("bigscience/bloom-1b1", 1_100_000_000), ("BlinkDL/rwkv-raven-1b5", 1_500_000_000)])
def test_a_size_with_the_unit_as_decimal_point(model_id: str, size: int) -> None:
    p = parse_name(model_id)
    assert p.segment_pairs()[-1][1] == "size" and p.size_params == size


def test_a_modality_before_a_task_is_part_of_the_task() -> None:
    p = parse_name("vasukiM/distilroberta-base-video-segmentation-v2")
    assert p.segment_pairs() == [["distilroberta-base", "base-model"], ["video-segmentation", "task"], ["v2", "version"]]
    # A modality alone stays a free word.
    assert parse_name("x/foo-video").segment_pairs()[-1][1] != "task"


@pytest.mark.parametrize("model_id", ["x/whisper-small-stt", "Wan-AI/Wan2.1-T2V-14B", "x/bge-embed"])
def test_short_forms_of_pipeline_tags_are_tasks(model_id: str) -> None:
    assert "task" in [t for _, t in parse_name(model_id).segment_pairs()]


def test_segments_json_is_json_dumps_byte_for_byte() -> None:
    import json
    import random

    from hfaudit.analyse.naming.tables import segments_json

    rng = random.Random(1)
    alphabet = 'ab"\\\n\tüé中\x00\x1f /-_.'
    for _ in range(5000):
        pairs = [["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6))), rng.choice(["base", "version", 'x"y'])]
                 for _ in range(rng.randrange(0, 5))]  # fmt: skip
        assert segments_json(pairs) == json.dumps(pairs, ensure_ascii=False)


# --- issue 15: ISO 639-5 language groups and ISO 639-3 codes in language pairs -------------------


def test_iso_639_5_group_code_is_a_language() -> None:
    # ``zle`` (East Slavic) is an ISO 639-5 group: ``it`` before it is Italian, not an instruct model.
    p = parse_name("Helsinki-NLP/opus-mt-tc-big-it-zle")
    assert p.segment_pairs() == [["opus-mt-tc", "identifier"], ["big", "size"], ["it-zle", "language"]]
    assert "instruct" not in p.variants
    assert parse_name("Helsinki-NLP/opus-mt-tc-big-zls-zle").segment_pairs()[-1] == ["zls-zle", "language"]
    assert parse_name("Helsinki-NLP/opus-mt-tc-big-gmq-he").segment_pairs()[-2:] == [
        ["big", "size"],
        ["gmq-he", "language"],
    ]


def test_every_iso_639_5_code_is_in_a_language_list() -> None:
    v = Vocabulary()
    groups = "aav afa alg apa art bat cel cus day gem gmq gmw ine itc map phi roa sem sla urj zle zls zlw".split()
    for code in groups:
        # a language anywhere, a language in a pair, or typed by another list first (``phi``: a model)
        assert code in v.words or code in v.pair_codes, code
    assert v.words["zle"] == v.words["gmq"] == v.words["ine"] == "language"
    assert v.pair_codes["art"] is True and v.pair_codes["cus"] is False  # ``art`` is an English word
    assert v.words["phi"] == "base-model"


@pytest.mark.parametrize(
    ("model_id", "pairs"),
    [
        # ISO 639-3 and the rest of ISO 639-1 next to a language, in a translation model's name.
        ("Helsinki-NLP/opus-mt-en-cus", [["opus-mt", "identifier"], ["en-cus", "language"]]),
        ("Helsinki-NLP/opus-mt-az-en", [["opus-mt", "identifier"], ["az-en", "language"]]),
        ("Broomva/t5-base-translation-spa-guc", [["t5-base", "base-model"], ["translation", "task"], ["spa-guc", "language"]]),
        # An English word (``is``) needs the edge or a language on its other side: ``doc`` stays free.
        ("mideind/nmt-doc-en-is-2022-10", [["nmt-doc", "identifier"], ["en-is", "language"], ["2022-10", "ambiguous"]]),
        # Without a translation word a code stays a free word (``sku``, ``llm``, ``is``).
        ("tkcho/cp-commerce-clf-kr-sku-brand", [["cp-commerce-clf", "identifier"], ["kr", "language"], ["sku-brand", "description"]]),
        ("x/llm-jp-13b", [["llm", "identifier"], ["jp", "language"], ["13b", "size"]]),
        ("x/wtf_is_deepnet", [["wtf_is_deepnet", "identifier"]]),
        # A word-like ISO 639-5 code (``phi``, ``art``) is no language outside a pair.
        ("model-hub/phi-2", [["phi-2", "base-model"]]),
    ],
)
def test_iso_639_codes_are_languages_only_in_a_language_pair(model_id: str, pairs: list[list[str]]) -> None:
    assert parse_name(model_id).segment_pairs() == pairs


def test_segment_texts_are_written_as_in_the_name() -> None:
    # Tokens joined into one segment keep the name's own separators (``_``, a dot, a space), so every
    # segment's text is a piece of the name (it was ``image-detection``, ``resnet18-a1``, ``v0-3``).
    assert parse_name("dima806/fairface_age_image_detection").segment_pairs() == [
        ["fairface_age", "identifier"],
        ["image_detection", "task"],
    ]
    assert parse_name("timm/resnet18.a1_in1k").segment_pairs() == [["resnet18.a1", "identifier"], ["in1k", "dataset"]]
    assert parse_name("fixie-ai/ultravox-v0_3").segment_pairs()[-1] == ["v0_3", "version"]
    p = parse_name("a/My Model v1_0")
    assert p.segment_pairs() == [["My Model", "identifier"], ["v1_0", "version"]]
    assert p.version_key == "000001.000000.000000"
    for model_id in ("x/vec2text__openai_ada002__msmarco", "TheBloke/Mistral-7B-Instruct-v0.2-GPTQ", "a/x_-_y-GGUF"):
        name = model_id.split("/", 1)[1]
        assert all(text in name for text, _ in parse_name(model_id).segment_pairs()), model_id


@pytest.mark.parametrize(
    ("model_id", "first"),
    [
        ("meta-llama/Llama3.1-8B-Instruct", ["Llama3.1", "base-model"]),
        ("tiiuae/falcon3-7b-base", ["falcon3", "base-model"]),
        ("state-spaces/mamba2-130m", ["mamba2", "base-model"]),
    ],
)
def test_a_base_model_with_its_version_glued_on_is_the_base_model(model_id: str, first: list[str]) -> None:
    # ``llama3.1`` is ``llama-3.1`` written without the separator: one base model, like ``llama-2``.
    p = parse_name(model_id)
    assert p.segment_pairs()[0] == first
    assert p.family is not None


def test_a_base_model_glued_to_a_long_number_is_not_a_version_of_it() -> None:
    # Three digits or more are not a version (``gpt350``: a size without its unit; ``bert1000``).
    assert parse_name("a/gpt350").segment_pairs() == [["gpt350", "identifier"]]
    assert parse_name("a/bert1000").segment_pairs() == [["bert1000", "identifier"]]


def test_cased_and_uncased_never_form_a_segment() -> None:
    # Tokenizer qualifiers of a checkpoint join the segment before them, also after a language or a size.
    assert parse_name("google-bert/bert-base-multilingual-cased").segment_pairs() == [
        ["bert-base", "base-model"],
        ["multilingual-cased", "language"],
    ]
    assert parse_name("osiria/bert-italian-uncased-ner").segment_pairs() == [
        ["bert", "base-model"],
        ["italian-uncased", "language"],
        ["ner", "task"],
    ]
    assert parse_name("a/bert-large-cased").segment_pairs() == [["bert", "base-model"], ["large-cased", "size"]]


@pytest.mark.parametrize(
    ("model_id", "size_text", "params"),
    [
        ("smallcloudai/Refact-1_6B-fim", "1_6B", 1_600_000_000),
        ("apple/OpenELM-1_1B-Instruct", "1_1B", 1_100_000_000),
        ("stabilityai/japanese-stablelm-2-instruct-1_6b", "1_6b", 1_600_000_000),
    ],
)
def test_a_size_may_write_its_decimal_point_as_an_underscore(model_id: str, size_text: str, params: int) -> None:
    p = parse_name(model_id)
    assert [text for text, t in p.segment_pairs() if t == "size"][0].startswith(size_text)
    assert p.size_params == params


def test_a_base_models_version_before_a_size_is_not_a_decimal_size() -> None:
    # ``Llama_2_7b``: Llama 2 at 7B (a number after a base model joins it), not 2.7B; two digits
    # before the underscore are never the integer part (``Alchemist_10_2b``).
    p = parse_name("hails/PE_Llama_2_7b_sft_rlhf")
    assert p.segment_pairs()[1:3] == [["Llama_2", "base-model"], ["7b", "size"]]
    assert p.size_params == 7_000_000_000
    assert parse_name("Sumail/Alchemist_10_2b").size_params == 2_000_000_000


def test_an_underscore_size_stays_inside_a_learned_phrase() -> None:
    # A learned base model ``x/Refact-1-6B`` still matches ``Refact-1_6B``: the size form yields to phrases.
    v = Vocabulary()
    v.extend(base_models=["x/Refact-1-6B"])
    assert parse_name("smallcloudai/Refact-1_6B-fim", v).segment_pairs()[0] == ["Refact-1_6B", "base-model"]


def test_a_checkpoint_tag_after_a_dot_is_no_language() -> None:
    # timm's ``{model}.{tag}_{data set}``: ``sw`` and ``ms`` are training recipes there, not Swahili or Malay.
    p = parse_name("timm/coatnet_0_rw_224.sw_in1k")
    assert p.segment_pairs() == [["coatnet_0_rw_224.sw", "identifier"], ["in1k", "dataset"]]
    assert p.jiang_class == "I"
    assert parse_name("timm/hrnet_w18.ms_in1k").segment_pairs()[0] == ["hrnet_w18.ms", "identifier"]
    # A code after a dot that no data set follows is still a language.
    assert parse_name("guillaumekln/faster-whisper-base.en").segment_pairs()[-1] == ["en", "language"]
    assert parse_name("UMCU/MedRoBERTa.nl_NegationDetection").segment_pairs()[-1][1] == "language"


@pytest.mark.parametrize(
    ("model_id", "pairs", "jiang"),
    [
        ("hf-internal-testing/tiny-random-GPTJForCausalLM", [["tiny-random", "identifier"], ["GPTJForCausalLM", "base-model"]], "IT"),
        ("hf-internal-testing/tiny-random-XLMModel", [["tiny-random", "identifier"], ["XLMModel", "base-model"]], "I"),
        ("llkenll/BertModel", [["BertModel", "base-model"]], "I"),
        # Only an architecture's name before the class suffix: these stay free words.
        ("a/mymodel", [["mymodel", "identifier"]], "O"),
        ("Yntec/JustForKicks", [["JustForKicks", "identifier"]], "O"),
    ],
)
def test_a_transformers_model_class_is_the_base_model(model_id: str, pairs: list[list[str]], jiang: str) -> None:
    p = parse_name(model_id)
    assert p.segment_pairs() == pairs
    assert p.jiang_class == jiang


def test_application_words_inside_other_words_say_no_application() -> None:
    # ``table`` in stable, ``review`` in preview, ``face`` in huggingface: not an application.
    assert parse_name("Habana/stable-diffusion").jiang_class == "O"
    assert parse_name("a/Mistral-preview").jiang_class == "I"
    assert parse_name("a/huggingface-course-bert").jiang_class == "I"
    # at a word's start they still do (``FaceNet``, ``table-qa``)
    assert parse_name("a/FaceNet").jiang_class == "A"


@pytest.mark.parametrize(
    ("model_id", "last"),
    [
        ("a/t5-small-10-epochs", ["10-epochs", "training-mechanism"]),
        ("dvruette/oasst-llama-13b-1000-steps", ["1000-steps", "training-mechanism"]),
        ("a/bert-base-uncased-finetuned-300_epochs", ["300_epochs", "training-mechanism"]),
        ("a/roberta-epochs-3", ["epochs-3", "training-mechanism"]),  # the value after the word, as before
    ],
)
def test_a_number_before_epochs_or_steps_is_its_value(model_id: str, last: list[str]) -> None:
    # It was joined to the segment before it (``small-10``, ``13b-1000``, ``finetuned-300``).
    assert parse_name(model_id).segment_pairs()[-1] == last


def test_iso_639_1_codes_written_for_their_language() -> None:
    assert parse_name("ai-forever/xlm-roberta-base-ka-ner").segment_pairs() == [
        ["xlm-roberta-base", "base-model"],
        ["ka", "language"],
        ["ner", "task"],
    ]
    assert parse_name("km-bert/km-bert").segment_pairs()[0] == ["km", "language"]
    assert parse_name("a/gpt2-medium-ne").segment_pairs()[-1] == ["ne", "language"]
    # ``pt`` (PyTorch, pretrained as often as Portuguese) is a language only in a translation pair.
    assert parse_name("x/bertabaporu-pt-irony").segment_pairs() == [["bertabaporu-pt-irony", "identifier"]]
    assert parse_name("Helsinki-NLP/opus-mt-tc-big-zle-pt").segment_pairs()[-1] == ["zle-pt", "language"]


@pytest.mark.parametrize(
    ("model_id", "pairs"),
    [
        ("nateraw/vit-age-classifier", [["vit", "base-model"], ["age-classifier", "task"]]),
        (
            "dstefa/roberta-base_topic_classification_nyt_news",
            [["roberta-base", "base-model"], ["topic_classification", "task"], ["nyt_news", "description"]],
        ),
        # a run of free words, or the name's first word, keeps its own segment
        (
            "therealcyberlord/fake-news-classification-distilbert",
            [["fake-news", "identifier"], ["classification", "task"], ["distilbert", "base-model"]],
        ),
        ("a/garbage-classification", [["garbage", "identifier"], ["classification", "task"]]),
    ],
)
def test_a_lone_word_before_a_task_qualifies_the_task(model_id: str, pairs: list[list[str]]) -> None:
    assert parse_name(model_id).segment_pairs() == pairs


@pytest.mark.parametrize(
    ("model_id", "first"),
    [
        ("teknium/OpenHermes-2.5-Mistral-7B", ["OpenHermes", "identifier"]),
        ("databricks/dolly-v2-12b", ["dolly", "identifier"]),
        ("jondurbin/airoboros-34b-3.2", ["airoboros", "identifier"]),
        # a data set elsewhere, or not followed by a version or size, stays a data set
        ("a/squad-v2-bert", ["squad-v2", "dataset"]),
    ],
)
def test_a_model_line_named_after_its_data_set_is_the_identifier(model_id: str, first: list[str]) -> None:
    assert parse_name(model_id).segment_pairs()[0] == first


@pytest.mark.parametrize(
    ("model_id", "last"),
    [
        ("x/mistral-7b-safetensors", ["safetensors", "variant-type"]),
        ("x/Llama-2-7b-chat-hf-sharded-bf16", ["sharded-bf16", "variant-type"]),
        ("x/whisper-large-v2-ct2", ["ct2", "variant-type"]),
        ("x/sd-turbo-coreml", ["coreml", "variant-type"]),
        ("x/bert-base-openvino", ["openvino", "variant-type"]),
        ("x/gemma-2b-tflite", ["tflite", "variant-type"]),
        ("x/phi-2-llamafile", ["llamafile", "variant-type"]),
    ],
)
def test_runtimes_of_converted_copies_are_variants(model_id: str, last: list[str]) -> None:
    assert parse_name(model_id).segment_pairs()[-1] == last


@pytest.mark.parametrize(
    ("model_id", "last"),
    [
        ("x/t5-small-qg", ["qg", "task"]),
        ("x/bart-large-summ", ["summ", "task"]),
        ("x/llama-2-7b-text2sql", ["text2sql", "task"]),
        ("x/codet5-nl2sql", ["nl2sql", "task"]),
        ("x/phi-2-function-calling", ["function-calling", "task"]),
        ("x/bert-base-qna", ["qna", "task"]),
    ],
)
def test_short_forms_of_tasks_are_tasks(model_id: str, last: list[str]) -> None:
    assert parse_name(model_id).segment_pairs()[-1] == last


@pytest.mark.parametrize(
    ("model_id", "pair"),
    [
        ("x/roberta-base-finetuned-subjqa-movies_2", ["subjqa-movies_2", "dataset"]),
        ("x/bert-base-japanese-v3-jnli", ["jnli", "dataset"]),
        ("x/t5-base-dialogsum", ["dialogsum", "dataset"]),
        ("x/layoutlmv3-doclaynet", ["doclaynet", "dataset"]),
        ("x/bert-base-sst5", ["sst5", "dataset"]),
        ("x/deberta-v3-cuad", ["cuad", "dataset"]),
    ],
)
def test_public_data_sets_are_data_sets(model_id: str, pair: list[str]) -> None:
    assert pair in parse_name(model_id).segment_pairs()


def test_esm_training_data_stays_with_the_size() -> None:
    # ``UR50D`` (UniRef50) is not listed: the study's labeller reads ``35M_UR50D`` as one size.
    assert ["UR50D", "dataset"] not in parse_name("x/esm2_t12_35M_UR50D-finetuned-x").segment_pairs()


@pytest.mark.parametrize(
    ("model_id", "pair"),
    [
        # A brand (``families.txt``) after other typed segments names a model, not a quality of one.
        ("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", ["MiniLM-L12", "identifier"]),
        ("x/ms-marco-MiniLM-L-6-v2", ["MiniLM-L-6", "identifier"]),
        ("Weni/WeniGPT-2.3.3-Zephyr-7B-zephyr-prompt", ["zephyr-prompt", "identifier"]),
        ("x/mistral-7b-zephyr", ["zephyr", "identifier"]),
    ],
)
def test_a_brand_is_an_identifier_wherever_it_stands(model_id: str, pair: list[str]) -> None:
    assert pair in parse_name(model_id).segment_pairs()


def test_a_lone_brand_between_typed_segments_still_qualifies_the_one_before() -> None:
    # The lone-word rule holds for brands too: ``yi`` joins the number before it, as a description would.
    assert parse_name("TheBloke/dolphin-2_2-yi-34b-AWQ").convention == (
        "{identifier}{ambiguous}{size}{training-mechanism}"
    )


@pytest.mark.parametrize(
    ("model_id", "pair"),
    [
        ("x/sludgy-beer-lora1", ["lora1", "training-mechanism"]),
        ("x/foo-7B_lora1_8bit", ["lora1", "training-mechanism"]),
        ("x/bar-sft1.0", ["sft1.0", "training-mechanism"]),
        ("x/baz-7b-DPOv3", ["DPOv3", "training-mechanism"]),
    ],
)
def test_a_training_mechanism_with_its_round_glued_on(model_id: str, pair: list[str]) -> None:
    assert pair in parse_name(model_id).segment_pairs()


def test_a_hyperparameter_with_its_value_is_not_a_glued_mechanism() -> None:
    # ``seed42`` keeps its hyperparameter reading; a glued number on a free word stays free.
    assert parse_name("x/bert-base-seed42").segment_pairs()[-1] == ["seed42", "training-mechanism"]
    assert parse_name("x/bert-base-foo2").segment_pairs()[-1][1] != "training-mechanism"


@pytest.mark.parametrize(
    ("model_id", "text", "scheme", "key"),
    [
        ("x/open_llama_3b_instruct_v_0.1", "v_0.1", "minor", "000000.000001.000000"),
        ("x/phi-pl-400M-v_0_1", "v_0_1", "minor", "000000.000001.000000"),
        ("x/stable-diffusion-v-1-4-GGUF", "v-1-4", "minor", "000001.000004.000000"),
        ("x/Bharatai-v-2", "v-2", "major", "000002.000000.000000"),
        ("x/TinyLlama-1.1B-Remix-V.2", "V.2", "major", "000002.000000.000000"),
    ],
)
def test_a_version_with_a_separator_after_its_v(model_id: str, text: str, scheme: str, key: str) -> None:
    p = parse_name(model_id)
    assert [text, "version"] in p.segment_pairs()
    assert (p.version_scheme, p.version_key) == (scheme, key)


def test_a_v_before_a_size_is_no_version() -> None:
    assert parse_name("THUDM/glm-edge-v-2b").version_scheme == "none"


@pytest.mark.parametrize(
    "model_id", ["x/fullstop-punctuation-multilang-large", "x/Mistral-7b-Multilanguage-3.1.0", "x/bert-multi-lingual"]
)
def test_other_spellings_of_multilingual_are_languages(model_id: str) -> None:
    assert "language" in [t for _, t in parse_name(model_id).segment_pairs()]


@pytest.mark.parametrize(
    ("model_id", "text", "key"),
    [
        ("x/16class_combo_corr_common_tweet_18nov23_v1", "18nov23", "002023.000011.000018"),
        ("x/roberta_base_sentiment_latest_Nov2023", "Nov2023", "002023.000011.000000"),
        ("x/feb29-new-tuned-model", "feb29", "000000.000002.000029"),  # no year: 0
        ("x/tweet_sentiment_extraction_02Jan2024", "02Jan2024", "002024.000001.000002"),
    ],
)
def test_a_date_written_with_a_months_name(model_id: str, text: str, key: str) -> None:
    p = parse_name(model_id)
    assert [text, "creation-date"] in p.segment_pairs()
    if p.version_scheme == "date":
        assert p.version_key == key


@pytest.mark.parametrize("model_id", ["x/mar2", "x/decoder-may", "x/bert-oct"])
def test_a_month_without_a_day_or_year_is_no_date(model_id: str) -> None:
    assert "creation-date" not in [t for _, t in parse_name(model_id).segment_pairs()]


def test_a_date_with_a_word_joined_to_it_keeps_its_key() -> None:
    # The lone word after a date joins its segment; the date is still read from its own token.
    p = parse_name("x/foo-20240501-beta")
    assert p.segment_pairs()[-1] == ["20240501-beta", "creation-date"]
    assert (p.version_scheme, p.version_key) == ("date", "002024.000005.000001")

def test_xsmall_is_a_size() -> None:
    assert parse_name("TLLM/deberta-xsmall-22m").segment_pairs() == [["deberta", "base-model"], ["xsmall-22m", "size"]]



@pytest.mark.parametrize(
    ("model_id", "first"),
    [
        ("mesolitica/malaysian-mistral-349M-4096", ["malaysian", "language"]),
        ("x/chilean-spanish-bert", ["chilean-spanish", "language"]),
        ("x/indian-legal-bert", ["indian", "language"]),
        ("x/hinglish-gpt2", ["hinglish", "language"]),
    ],
)
def test_demonyms_are_languages_as_the_studys_nationality(model_id: str, first: list[str]) -> None:
    assert parse_name(model_id).segment_pairs()[0] == first


@pytest.mark.parametrize("model_id", ["x/ko-sbert-sts", "x/sbert-base", "x/sentence-bert-base"])
def test_sbert_is_a_model_family_not_a_training_mechanism(model_id: str) -> None:
    p = parse_name(model_id)
    assert "training-mechanism" not in p.convention
    assert p.family == "sbert"


@pytest.mark.parametrize(
    ("model_id", "text"),
    [("x/Gugugo-koen-7B-V1.1", "koen"), ("x/enko-t5-small-v0", "enko"), ("x/bibert-ende", "ende")],
)
def test_a_listed_glued_language_pair_is_a_language(model_id: str, text: str) -> None:
    assert [text, "language"] in parse_name(model_id).segment_pairs()


def test_an_unlisted_glued_pair_of_codes_stays_a_free_word() -> None:
    # ``then`` (th + en) and ``deit`` (de + it) are not in the explicit list.
    assert "language" not in parse_name("x/then-model").convention
    assert "language" not in parse_name("facebook/deit-base-patch16-224").convention


@pytest.mark.parametrize(
    ("model_id", "raw"),
    [("x/open_llama_3b_instruct_v_0.1", "v_0.1"), ("x/MiniCPM-V-2_6", "V-2_6"), ("x/model_V1_0", "V1_0")],
)
def test_version_raw_keeps_the_written_text(model_id: str, raw: str) -> None:
    p = parse_name(model_id)
    assert p.version_raw == raw
    assert raw.lower() not in p.stem and p.stem == parse_name(model_id.replace(raw, "v9")).stem


@pytest.mark.parametrize(
    "model_id", ["x/bert-no-pretrain", "x/Florence-2-large-no-flash-attn", "x/distilbert-yes-no", "x/ScandiBERT-no-faroese"]
)
def test_no_in_the_middle_of_a_name_is_english(model_id: str) -> None:
    assert not any(text.lower() == "no" and t == "language" for text, t in parse_name(model_id).segment_pairs())


@pytest.mark.parametrize(
    ("model_id", "text"),
    [("x/opus-mt-no-de", "no-de"), ("x/distilbert-base-en-no-cased", "en-no-cased"), ("x/mt5-large-no", "no")],
)
def test_no_next_to_a_language_code_or_ending_a_name_is_norwegian(model_id: str, text: str) -> None:
    assert [text, "language"] in parse_name(model_id).segment_pairs()


@pytest.mark.parametrize(
    ("model_id", "key"),
    [
        ("x/mixtral-instruct-awq-clone-feb24", "002024.000002.000000"),
        ("x/bert-base-uncased-finetuned-sdg-Mar23", "002023.000003.000000"),
        ("x/mar05-new-tuned-model", "000000.000003.000005"),  # 05 is no plausible year: a day
    ],
)
def test_a_month_and_two_digits_that_are_a_plausible_year_read_as_month_and_year(model_id: str, key: str) -> None:
    p = parse_name(model_id)
    assert (p.version_scheme, p.version_key) == ("date", key)
