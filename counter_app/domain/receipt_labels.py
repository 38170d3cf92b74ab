"""The return receipt's words per language (pure data, like domain.documents).

`receipt_labels(language)` is what `ReceiptData.labels` takes: every key of
`documents.DEFAULT_LABELS` and the exchange section's, so a receipt printed in Chinese has
no English word left (codes, SKUs and product names aside). The receipt's language is the
store's language setting (`language` in config.toml): orders carry no customer language.
"""

from __future__ import annotations

from counter_app.domain.exchange_receipt import EXCHANGE_LABELS_ZH

RETURN_LABELS_ZH: dict[str, str] = {
    "title": "退货收据",
    "store_copy": "门店存根",
    "reference": "退货单号",
    "date": "日期",
    "counter": "柜台",
    "cashier": "收银员",
    "order": "订单",
    "order_date": "订单日期",
    "receiptless": "无收据:按最近 {days} 天的最低价退为店内余额",
    "qty": "数量",
    "condition": "状况",
    "reason": "原因",
    "fee": "手续费",
    "refund_total": "退款总额",
    "fees_total": "手续费",
    "refunded_to": "退款方式",
    "arrives": "到账",
    "override": "经理特批",
    "terms": "条款",
    "voucher": "店内余额代金券",
    "voucher_value": "代金券面值",
    "customer_signature": "顾客签名",
    "gift_return_title": "礼品退货收据",
    "gift_code": "礼品码",
    "authorization": "退货码",
    "status": "退货进度查询",
    "tender.card": "银行卡",
    "tender.cash": "现金",
    "tender.store_credit": "店内余额",
    "tender.gift_card": "礼品卡",
    "tender.exchange": "换货",
}

# When the money is back with the customer, per tender (the receipt's "arrives" line).
ARRIVAL_TEXT_ZH: dict[str, str] = {
    "card": "3–10 个工作日",
    "store_credit": "立即",
    "cash": "立即",
    "gift_card": "立即",
    "exchange": "立即",
}

TERMS_ZH = {
    "default": "请保留本收据:这是您的退货凭证。",
    "card": "银行卡退款今日发出;银行将在上述天数内入账。",
    "voucher": "代金券面值:{value}",
    "bonus": "(含店内余额奖励 {bonus})",
    "policy": "退货政策 {version}。",
}

# The override reasons a manager picks (ui/counter/override_dialog.py), on the store copy.
OVERRIDE_REASONS_ZH = {
    "customer_goodwill": "顾客关怀",
    "store_error": "我方失误(门店或配送)",
    "policy_exception": "政策例外",
    "manager_discretion": "经理酌情决定",
}


def receipt_labels(language: str) -> dict[str, str]:
    """The labels for `language`; English (the defaults) for any language without them."""
    if language in ("zh_CN", "zh"):
        return {**EXCHANGE_LABELS_ZH, **RETURN_LABELS_ZH}
    return {}


def is_chinese(language: str) -> bool:
    return language in ("zh_CN", "zh")
