"""English and Simplified Chinese: `Accept-Language` negotiation and the problem titles.

English is the default and the source text; a text without a translation stays English.
`language(header)` picks `zh-CN` for any Chinese range that is not Traditional (`zh`,
`zh-CN`, `zh-Hans`, `zh-SG`) preferred over English by its q-value, else `en`.
"""

from typing import Literal

Language = Literal["en", "zh-CN"]
DEFAULT: Language = "en"

_SIMPLIFIED = ("zh", "zh-cn", "zh-hans", "zh-sg", "zh-hans-cn")


def language(header: str | None, default: Language = DEFAULT) -> Language:
    """The best supported language for an `Accept-Language` header (RFC 9110 ranges with
    q-values); `default` when it names none of them."""
    if not header:
        return default
    best: tuple[float, int, Language] | None = None
    for position, part in enumerate(header.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if quality <= 0:
            continue
        found: Language | None = None
        if tag in _SIMPLIFIED:
            found = "zh-CN"
        elif tag == "en" or tag.startswith("en-"):
            found = "en"
        elif tag == "*":
            found = default
        if found is not None and (best is None or (quality, -position) > (best[0], -best[1])):
            best = (quality, position, found)
    return best[2] if best else default


PROBLEM_TITLES_ZH: dict[str, str] = {
    "Bad request": "请求错误",
    "Unauthorized": "未认证",
    "Forbidden": "无权访问",
    "Not found": "未找到",
    "Conflict": "状态冲突",
    "Precondition failed": "前提条件不满足",
    "Precondition required": "需要前提条件",
    "Payload too large": "请求体过大",
    "Invalid input": "输入无效",
    "Validation failed": "校验失败",
    "Too many requests": "请求过多",
    "Service unavailable": "服务不可用",
    "Upstream timed out": "上游服务超时",
    "Internal server error": "服务器内部错误",
    "Method not allowed": "方法不被允许",
    "Not acceptable": "无法接受的格式",
    "Unsupported media type": "不支持的媒体类型",
    "Error": "错误",
    "A person only": "仅限个人",
    "API key not found": "未找到 API 密钥",
    "Already signed": "已签署",
    "Appeal already made": "已提出申诉",
    "Appeal not found": "未找到申诉",
    "Appeal pending": "申诉处理中",
    "Attribute not found": "未找到属性",
    "Bad gateway": "网关错误",
    "Calibration session finalised": "校准会议已定稿",
    "Calibration session not found": "未找到校准会议",
    "Campaign cannot open yet": "评估活动尚不能开启",
    "Campaign closed": "评估活动已结束",
    "Campaign is no longer a draft": "评估活动已不是草稿",
    "Campaign is not open": "评估活动未开启",
    "Campaign not found": "未找到评估活动",
    "Change request not found": "未找到变更请求",
    "Cycle closed": "考核周期已关闭",
    "Cycle not found": "未找到考核周期",
    "Duplicate key": "键重复",
    "Employee not found": "未找到员工",
    "Grant not found": "未找到授权",
    "Improvement action not found": "未找到改进措施",
    "Inconsistent pairwise comparisons": "两两比较不一致",
    "Indicator not found": "未找到指标",
    "Indicator template not found": "未找到指标模板",
    "Interview already scheduled": "面谈已安排",
    "Interview not found": "未找到面谈",
    "Invalid state transition": "无效的状态转换",
    "Invitation already finished": "邀请已完成",
    "Invitation declined": "邀请已被拒绝",
    "Invitation link no longer valid": "邀请链接已失效",
    "Invitation not found": "未找到邀请",
    "Manager or HR only": "仅限经理或人力资源",
    "No compensation held for this employee": "该员工没有薪酬数据",
    "No competency requirements set": "未设置胜任力要求",
    "No disclosure grant": "没有披露授权",
    "No performance agreement": "没有绩效协议",
    "Nomination already decided": "提名已决定",
    "Nomination limit reached": "已达提名上限",
    "Nomination not found": "未找到提名",
    "Not allowed on this action": "不允许此操作",
    "Not an external invitation": "不是外部邀请",
    "Not in this calibration session": "不在此校准会议中",
    "Not in your reporting line": "不在您的汇报线内",
    "Not your report": "不是您的下属",
    "Note not found": "未找到记录",
    "Objective not found": "未找到目标",
    "Org unit not found": "未找到组织单元",
    "Phase gate blocked": "阶段关卡受阻",
    "Plan cannot be scored": "计划无法评分",
    "Plan exists": "计划已存在",
    "Plan not found": "未找到计划",
    "Position not found": "未找到职位",
    "Ratee not found": "未找到被评估人",
    "Ratee unknown to the organisation": "组织中不存在该被评估人",
    "Rater already invited": "评估人已被邀请",
    "Rater already nominated": "评估人已被提名",
    "Recommendation already decided": "建议已决定",
    "Recommendation not found": "未找到建议",
    "Recommendation run not found": "未找到建议批次",
    "Report not found": "未找到报告",
    "Response already submitted": "答卷已提交",
    "Result locked": "结果已锁定",
    "Result not found": "未找到结果",
    "Results not ready": "结果尚未就绪",
    "Stale plan version": "计划版本已过期",
    "Template name taken": "模板名称已被使用",
    "Template not found": "未找到模板",
    "Template version not found": "未找到模板版本",
    "Tenant not found": "未找到租户",
    "The employee only": "仅限员工本人",
    "Training programme not found": "未找到培训项目",
    "Unknown invitation link": "未知的邀请链接",
    "Unprocessable content": "无法处理的内容",
    "Webhook URL refused": "Webhook 地址被拒绝",
    "Webhook delivery not found": "未找到 Webhook 投递",
    "Webhook subscription not found": "未找到 Webhook 订阅",
    "Widget locked": "组件已锁定",
    "Wrong cycle phase": "考核周期阶段不符",
}
"""Problem details' `title` in Simplified Chinese (RFC 9457 lets the title follow the
request's language); `detail` stays English, it names fields and values."""


STATUS_TITLES_ZH: dict[int, str] = {
    400: "请求错误",
    401: "未认证",
    403: "无权访问",
    404: "未找到",
    405: "方法不被允许",
    406: "无法接受的格式",
    409: "状态冲突",
    412: "前提条件不满足",
    413: "请求体过大",
    415: "不支持的媒体类型",
    422: "输入无效",
    428: "需要前提条件",
    429: "请求过多",
    500: "服务器内部错误",
    502: "网关错误",
    503: "服务不可用",
    504: "上游服务超时",
}


def problem_title(title: str, status: int, lang: Language) -> str:
    """The title in `lang`: its translation, else the status's generic Chinese title (a
    title added without a translation still reads Chinese), else unchanged."""
    if lang != "zh-CN":
        return title
    return PROBLEM_TITLES_ZH.get(title) or STATUS_TITLES_ZH.get(status, title)
