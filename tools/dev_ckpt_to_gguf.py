# DEV ONLY (not committed): base HF folder + distill.pt + lora.pt -> GGUF via reference.write_gguf
import sys, os, torch, yaml
sys.path.insert(0, "/work/wt-linearize/tools")
import hf_io, reference
base, ckdir, out = sys.argv[1:4]
config, sd = hf_io.load_hf_folder(base)
mc = yaml.safe_load(open(os.path.join(ckdir, "model_config.yaml")))["attention"]
ft = yaml.safe_load(open(os.path.join(ckdir, "finetune_config.yaml")))["finetune"]["kwargs"]
d = torch.load(os.path.join(ckdir, "distill.pt"))["model_state_dict"]
l = torch.load(os.path.join(ckdir, "lora.pt"))["model_state_dict"] if os.path.exists(os.path.join(ckdir, "lora.pt")) else {}
n = config["num_hidden_layers"]; H = config["num_attention_heads"]; Hkv = config["num_key_value_heads"]
D = config.get("head_dim") or config["hidden_size"] // H
kind = "linear" if mc["attention_type"] == "lolcats_llama" else "hybrid"
layers = []
w = {k: v.double() for k, v in sd.items()}
for i in range(n):
    k = "softmax" if i in mc["softmax_attentions"] else kind
    lora = PJ = ()
    if k != "softmax" and l:
        lora = ("q","k","v","o")
    layers.append(reference.LayerSpec(kind=k, n_head=H, n_head_kv=Hkv, d_qk=D, d_v=D, n_ff=config["intermediate_size"], lora=lora, lora_rank=ft["r"] if lora else 0))
    pre = "model.layers.%d.self_attn." % i
    if k != "softmax":
        w[pre+"feature_map_q.mlp.layer"] = d[pre+"feature_map_q.mlp.layer"].double()
        w[pre+"feature_map_k.mlp.layer"] = d[pre+"feature_map_k.mlp.layer"].double()
        if k == "hybrid": w[pre+"window_factors"] = d[pre+"window_factors"].double().view(-1)
        for p in lora:
            for ab in "AB":
                w[pre+"%s_proj.lora_%s.default.weight"%(p,ab)] = l["base_model.model."+pre+"%s_proj.lora_%s.default.weight"%(p,ab)].double()
cfg = reference.Config(config["vocab_size"], config["hidden_size"], layers, rms_eps=config["rms_norm_eps"], rope_theta=config["rope_theta"],
    tied=config["tie_word_embeddings"], window=mc["window_size"], window_kind=mc["attention_type"][-2:] if kind=="hybrid" else "tk",
    fmap="hedgehog", fmap_dim=mc["learned_kernel_kwargs"]["feature_dim"], lora_scale=ft["lora_alpha"]/ft["r"], context_length=config["max_position_embeddings"])
reference.write_gguf(reference.Model(cfg, w), out)
