"""Labels and a small glossary in English, simplified Chinese and traditional Chinese.

The course is taught in Chinese and English, and a dashboard projected in class should
speak the room's language. Every text the dashboard and its figures show is looked up
here by a stable key (``label("stage.formation", "zh-Hant")`` gives 形成期), so the
three languages cannot drift apart: the tests check that every key has all three.
Stage names follow the course (Chen Mingliang), switching reasons follow Keaveney (1995).

Texts with ``{placeholders}`` are templates for ``str.format``; all three languages
use the same placeholders.
"""

from sim.errors import CRMError

#: Language codes (BCP 47): English, simplified Chinese, traditional Chinese.
LANGUAGES: tuple[str, ...] = ("en", "zh-Hans", "zh-Hant")

#: How each language names itself (for a language switch).
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "zh-Hans": "简体中文", "zh-Hant": "繁體中文"}

#: key -> (English, simplified Chinese, traditional Chinese), in the order of LANGUAGES.
LABELS: dict[str, tuple[str, str, str]] = {
    # --- the dashboard's controls and messages
    "ui.title": ("CRM classroom dashboard", "CRM 课堂仪表板", "CRM 課堂儀表板"),
    "ui.language": ("Language", "语言", "語言"),
    "ui.preset": ("Scenario", "情景", "情境"),
    "ui.given_scenario": ("{name} (as given)", "{name}（传入的情景）", "{name}（傳入的情境）"),
    "ui.market": ("Market", "市场", "市場"),
    "ui.customers": ("Customers", "客户数", "客戶數"),
    "ui.months": ("Months", "月数", "月數"),
    "ui.seed": ("Random seed", "随机种子", "隨機種子"),
    "ui.strategy": ("Strategy of the focal firm", "本公司的策略", "本公司的策略"),
    "ui.price": ("Focal price", "本公司价格", "本公司價格"),
    "ui.loyalty": ("Loyalty programme", "会员积分计划", "會員積分計畫"),
    "ui.loyalty_bond": ("Programme strength", "计划强度", "計畫強度"),
    "ui.recovery": ("Service recovery quality", "服务补救质量", "服務補救品質"),
    "ui.early_warning": ("Early-warning budget", "流失预警预算", "流失預警預算"),
    "ui.run": ("Run", "运行", "執行"),
    "ui.single": ("One run", "单次运行", "單次執行"),
    "ui.ab": ("A/B comparison", "A/B 比较", "A/B 比較"),
    "ui.variant_a": (
        "Strategy A: the controls of the first tab",
        "策略 A：第一页的设置",
        "策略 A：第一頁的設定",
    ),
    "ui.variant_b": ("Strategy B", "策略 B", "策略 B"),
    "ui.replications": ("Replications", "重复次数", "重複次數"),
    "ui.ab_metric": ("Metric", "指标", "指標"),
    "ui.run_ab": ("Compare A and B", "比较 A 与 B", "比較 A 與 B"),
    "ui.info": ("About this scenario", "关于此情景", "關於此情境"),
    "ui.ready": (
        "Set the controls and press Run.",
        "调整设置后按“运行”。",
        "調整設定後按「執行」。",
    ),
    "ui.running": (
        "Running month {month} of {months}…",
        "正在运行第 {month}/{months} 个月…",
        "正在執行第 {month}/{months} 個月…",
    ),
    "ui.done": (
        "Done: {customers:,} customers, {months} months, focal price {price:.2f}, "
        "in {seconds:.1f} s.",
        "完成：{customers:,} 位客户，{months} 个月，本公司价格 {price:.2f}，"
        "用时 {seconds:.1f} 秒。",
        "完成：{customers:,} 位客戶，{months} 個月，本公司價格 {price:.2f}，"
        "用時 {seconds:.1f} 秒。",
    ),
    "ui.ab_running": ("Run {run} of {runs}…", "第 {run}/{runs} 次运行…", "第 {run}/{runs} 次執行…"),
    "ui.ab_done": (
        "Done: {replications} replications per strategy on the same seeds, in {seconds:.1f} s.",
        "完成：每个策略在相同随机种子上重复 {replications} 次，用时 {seconds:.1f} 秒。",
        "完成：每個策略在相同隨機種子上重複 {replications} 次，用時 {seconds:.1f} 秒。",
    ),
    "ui.error": ("Cannot run: {error}", "无法运行：{error}", "無法執行：{error}"),
    "info.what_it_is": ("What it is", "这是什么", "這是什麼"),
    "info.how_it_works": ("How it works", "如何运作", "如何運作"),
    "info.things_to_notice": ("Things to notice", "值得注意", "值得注意"),
    "info.things_to_try": ("Things to try", "可以尝试", "可以嘗試"),
    "info.extending_the_model": ("Extending the model", "扩展模型", "擴充模型"),
    "info.references": ("References", "参考文献", "參考文獻"),
    "ui.glossary": ("Glossary", "术语表", "術語表"),
    "ui.kpi": ("KPI", "指标", "指標"),
    "ui.value": ("Value", "数值", "數值"),
    "ui.difference": (
        "B − A (95% CI)",
        "B − A（95% 置信区间）",
        "B − A（95% 信賴區間）",
    ),
    # --- figures
    "axis.month": ("Month", "月份", "月份"),
    "fig.stages.title": (
        "Customers by lifecycle stage",
        "各生命周期阶段的客户",
        "各生命週期階段的客戶",
    ),
    "fig.stages.y": ("Customers (people)", "客户（人）", "客戶（人）"),
    "fig.churn.title": (
        "Why customers left (Keaveney)",
        "客户为何流失（Keaveney）",
        "客戶為何流失（Keaveney）",
    ),
    "fig.churn.x": (
        "Defections over the run (customers)",
        "运行期间的流失（人）",
        "執行期間的流失（人）",
    ),
    "fig.churn.y": ("Reason", "原因", "原因"),
    "fig.profit.title": ("Profit and customer equity", "利润与客户资产", "利潤與顧客權益"),
    "fig.profit.y": ("Profit per month (currency)", "每月利润（货币单位）", "每月利潤（貨幣單位）"),
    "fig.equity.y": ("Customer equity (currency)", "客户资产（货币单位）", "顧客權益（貨幣單位）"),
    "fig.tiers.title": (
        "Customer lifetime value by pyramid tier",
        "客户金字塔各层的客户终身价值",
        "客戶金字塔各層的顧客終身價值",
    ),
    "fig.tiers.x": ("Pyramid tier", "金字塔层级", "金字塔層級"),
    "fig.tiers.y": (
        "Mean CLV per current customer (currency)",
        "每位现有客户的平均 CLV（货币单位）",
        "每位現有客戶的平均 CLV（貨幣單位）",
    ),
    "fig.tiers.count": ("{count} customers", "{count} 人", "{count} 人"),
    "fig.ab.title": (
        "{metric}: mean and 95% band over {replications} replications",
        "{metric}：{replications} 次重复的平均值与 95% 区间",
        "{metric}：{replications} 次重複的平均值與 95% 區間",
    ),
    "fig.ab.difference": (
        "B − A on the same seeds (paired 95% band)",
        "B − A，相同随机种子（配对 95% 区间）",
        "B − A，相同隨機種子（配對 95% 區間）",
    ),
    "fig.ab.difference_y": ("Difference ({unit})", "差值（{unit}）", "差值（{unit}）"),
    "fig.ab.y": ("{metric} ({unit})", "{metric}（{unit}）", "{metric}（{unit}）"),
    "unit.people": ("customers", "人", "人"),
    "unit.currency": ("currency", "货币单位", "貨幣單位"),
    "unit.rate": ("share per month", "每月比例", "每月比例"),
    "unit.score": ("1–5", "1–5 分", "1–5 分"),
    "unit.share": ("share", "比例", "比例"),
    "variant.A": ("Strategy A", "策略 A", "策略 A"),
    "variant.B": ("Strategy B", "策略 B", "策略 B"),
    # --- lifecycle stages (Chen Mingliang; Dwyer, Schurr & Oh 1987)
    "stage.prospect": ("prospect", "潜在客户", "潛在客戶"),
    "stage.exploration": ("exploration", "考察期", "考察期"),
    "stage.formation": ("formation", "形成期", "形成期"),
    "stage.stability": ("stability", "稳定期", "穩定期"),
    "stage.decline": ("decline", "退化期", "退化期"),
    "stage.churned": ("churned", "流失", "流失"),
    # --- Keaveney's (1995) switching reasons
    "reason.core_service_failure": ("core service failure", "核心服务失误", "核心服務失誤"),
    "reason.service_encounter_failure": (
        "service encounter failure",
        "服务接触失误",
        "服務接觸失誤",
    ),
    "reason.pricing": ("pricing", "价格", "價格"),
    "reason.inconvenience": ("inconvenience", "不便利", "不便利"),
    "reason.response_to_failure": (
        "response to service failure",
        "对服务失误的回应",
        "對服務失誤的回應",
    ),
    "reason.competition": ("competition", "竞争者吸引", "競爭者吸引"),
    "reason.ethical_problems": ("ethical problems", "道德问题", "道德問題"),
    "reason.involuntary": ("involuntary switching", "非自愿转换", "非自願轉換"),
    # --- customer pyramid tiers (Zeithaml, Rust & Lemon 2001)
    "tier.platinum": ("platinum", "白金层", "白金層"),
    "tier.gold": ("gold", "黄金层", "黃金層"),
    "tier.iron": ("iron", "铁层", "鐵層"),
    "tier.lead": ("lead", "铅层", "鉛層"),
    # --- KPIs (sim.compare.RUN_METRICS and the monthly KPI table)
    "kpi.customers": ("Customers", "客户数", "客戶數"),
    "kpi.customers_end": ("Customers at the end", "期末客户数", "期末客戶數"),
    "kpi.acquisitions": ("Customers acquired", "获得的客户", "獲得的客戶"),
    "kpi.defections": ("Customers lost", "流失的客户", "流失的客戶"),
    "kpi.churn_rate": ("Monthly churn rate", "月流失率", "月流失率"),
    "kpi.retention_rate": ("Retention rate", "保留率", "保留率"),
    "kpi.revenue": ("Revenue", "收入", "營收"),
    "kpi.margin": ("Margin", "毛利", "毛利"),
    "kpi.marketing_spend": ("Marketing spend", "营销支出", "行銷支出"),
    "kpi.profit": ("Profit", "利润", "利潤"),
    "kpi.cumulative_profit": ("Cumulative profit", "累计利润", "累計利潤"),
    "kpi.satisfaction": ("Satisfaction", "满意度", "滿意度"),
    "kpi.market_share": ("Market share", "市场份额", "市場占有率"),
    "kpi.customer_equity": ("Customer equity", "客户资产", "顧客權益"),
}

#: term -> (English, simplified Chinese, traditional Chinese) short definitions for class.
GLOSSARY: dict[str, tuple[str, str, str]] = {
    "clv": (
        "Customer lifetime value (CLV): the present value of the margin a customer will "
        "bring over the rest of the relationship.",
        "客户终身价值（CLV）：客户在剩余关系期间将带来的毛利的现值。",
        "顧客終身價值（CLV）：顧客在剩餘關係期間將帶來的毛利的現值。",
    ),
    "customer_equity": (
        "Customer equity: the sum of the lifetime values of all current customers.",
        "客户资产：所有现有客户终身价值的总和。",
        "顧客權益：所有現有客戶終身價值的總和。",
    ),
    "churn": (
        "Churn (defection): a customer ends the relationship with the firm.",
        "客户流失：客户结束与企业的关系。",
        "客戶流失：客戶結束與企業的關係。",
    ),
    "retention_rate": (
        "Retention rate: the share of last month's customers who are still customers.",
        "保留率：上月的客户中本月仍是客户的比例。",
        "保留率：上月的客戶中本月仍是客戶的比例。",
    ),
    "lifecycle": (
        "Relationship lifecycle: prospect, exploration, formation, stability, decline, "
        "churned; a churned customer may be won back.",
        "关系生命周期：潜在客户、考察期、形成期、稳定期、退化期、流失；流失的客户可能被赢回。",
        "關係生命週期：潛在客戶、考察期、形成期、穩定期、退化期、流失；流失的客戶可能被贏回。",
    ),
    "customer_pyramid": (
        "Customer pyramid: platinum, gold, iron and lead tiers of customers ranked by "
        "the profit they bring (Zeithaml, Rust & Lemon 2001).",
        "客户金字塔：按客户带来的利润分为白金、黄金、铁、铅四层（Zeithaml、Rust 与 Lemon，2001）。",
        "客戶金字塔：按客戶帶來的利潤分為白金、黃金、鐵、鉛四層（Zeithaml、Rust 與 Lemon，2001）。",
    ),
    "loyalty_programme": (
        "Loyalty programme: points on spending that make staying pay; a financial bond "
        "that rivals can copy.",
        "会员积分计划：消费累积积分，使留下来更划算；是一种对手可以模仿的财务纽带。",
        "會員積分計畫：消費累積點數，使留下來更划算；是一種對手可以模仿的財務連結。",
    ),
    "service_recovery": (
        "Service recovery: putting a failure right after a complaint; done well, it can "
        "leave the customer happier than before.",
        "服务补救：在客户投诉后纠正失误；做得好时，客户可能比失误前更满意。",
        "服務補救：在客戶抱怨後修正失誤；做得好時，客戶可能比失誤前更滿意。",
    ),
    "early_warning": (
        "Churn early warning: score customers by risk and make retention offers to the "
        "riskiest the budget allows.",
        "流失预警：按风险为客户打分，并在预算内向风险最高的客户提供挽留优惠。",
        "流失預警：按風險為客戶評分，並在預算內向風險最高的客戶提供挽留優惠。",
    ),
    "switching_cost": (
        "Switching cost: what a customer loses in time, money or effort by changing supplier.",
        "转换成本：客户更换供应商时在时间、金钱或精力上的损失。",
        "轉換成本：客戶更換供應商時在時間、金錢或精力上的損失。",
    ),
    "confidence_band": (
        "95% confidence band: the range that covers the true mean in 95 of 100 "
        "repetitions of the experiment.",
        "95% 置信区间：在 100 次重复实验中有 95 次覆盖真实平均值的范围。",
        "95% 信賴區間：在 100 次重複實驗中有 95 次涵蓋真實平均值的範圍。",
    ),
    "common_random_numbers": (
        "Common random numbers: both strategies face the same customers and the same "
        "luck, so their difference is not noise.",
        "共同随机数：两个策略面对相同的客户和相同的运气，因此差异不是噪声。",
        "共同隨機數：兩個策略面對相同的客戶和相同的運氣，因此差異不是雜訊。",
    ),
}


class TranslationError(CRMError, LookupError):
    """An unknown language, label key or glossary term."""


def check_language(language: str) -> str:
    """Return ``language`` if it is one of LANGUAGES, else raise a TranslationError.

    Lets a caller (a figure, a widget) reject a bad language before drawing anything.
    """
    if language not in LANGUAGES:
        raise TranslationError(f"unknown language {language!r}; allowed: {list(LANGUAGES)}")
    return language


def _lookup(table: dict[str, tuple[str, str, str]], kind: str, key: str, language: str) -> str:
    position = LANGUAGES.index(check_language(language))
    if key not in table:
        close = sorted(k for k in table if k.split(".")[0] == key.split(".")[0])
        allowed = close or sorted(table)
        raise TranslationError(f"unknown {kind} {key!r}; allowed: {allowed}")
    return table[key][position]


def label(key: str, language: str = "en") -> str:
    """The text of a label in a language, e.g. ``label("stage.stability", "zh-Hans")``.

    Raises:
        TranslationError: for a language not in LANGUAGES or a key not in LABELS; the
            message names the value and lists what is allowed (keys of the same group,
            such as every ``stage.*`` key, when the group exists).
    """
    return _lookup(LABELS, "label", key, language)


def glossary(term: str, language: str = "en") -> str:
    """A one-sentence definition of a CRM term for class, e.g. ``glossary("clv", "zh-Hant")``.

    Raises:
        TranslationError: for an unknown language or term, naming it and what is allowed.
    """
    return _lookup(GLOSSARY, "glossary term", term, language)
