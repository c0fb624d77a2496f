"""A tiny random-weight BERT saved as a normal Hugging Face model directory, for fast transformer tests.

The WordPiece vocabulary is trained with ``tokenizers`` on a few diplomatic-news sentences, so tokenization
behaves like a real BERT's (special tokens, pairs, token type ids) while a training step takes milliseconds.
"""

from __future__ import annotations

from pathlib import Path

FIXTURE_TEXT = [
    "The United States and Japan reaffirmed their alliance at the summit in Tokyo.",
    "China's ministry of foreign affairs warned against provocative military drills near Taiwan.",
    "Officials expressed concern over the detention of human rights lawyers and activists.",
    "The two governments agreed to expand cooperation on supply chains and clean energy.",
    "Beijing accused Washington of interfering in its internal affairs.",
    "The joint statement called for a free and open Indo-Pacific region.",
    "Analysts said the meeting lasted about two hours and ended without a press conference.",
    "The defense minister described the missile launches as a grave threat to regional security.",
    "Tokyo and Seoul pledged to share intelligence on North Korea in real time.",
    "Rights groups urged the delegation to raise the treatment of Uyghurs in Xinjiang.",
    "A spokesperson said the embassy would remain open during the holiday.",
    "The foreign ministers discussed trade, climate change and maritime security.",
]


def build_tiny_bert(directory: str | Path, vocab_size: int = 400, seed: int = 0) -> Path:
    """Write a 2-layer, hidden-size-32 BERT with random weights and its fast tokenizer into ``directory``.

    Args:
        directory: Target folder (created if needed), e.g. a pytest ``tmp_path``.
        vocab_size: Upper bound of the WordPiece vocabulary learned from :data:`FIXTURE_TEXT`.
        seed: Seed of the random weights.

    Returns:
        The model directory, loadable with ``AutoTokenizer``/``AutoModel.from_pretrained``.
    """
    import torch
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    backend = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    backend.normalizer = normalizers.BertNormalizer(lowercase=True)
    backend.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    backend.decoder = decoders.WordPiece()
    backend.train_from_iterator(
        FIXTURE_TEXT, trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=special)
    )
    cls_id, sep_id = backend.token_to_id("[CLS]"), backend.token_to_id("[SEP]")
    backend.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)],
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_input_names=["input_ids", "token_type_ids", "attention_mask"],
    )
    tokenizer.save_pretrained(directory)

    config = BertConfig(
        vocab_size=backend.get_vocab_size(),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        pad_token_id=backend.token_to_id("[PAD]"),
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(directory)
    return directory
