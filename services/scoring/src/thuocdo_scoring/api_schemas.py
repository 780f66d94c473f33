"""Response shapes of the read API, for the OpenAPI document only (views return
the documents built in :mod:`queries` as they are; these schemas describe them)."""

from __future__ import annotations

from marshmallow import Schema, fields


class UnitOut(Schema):
    key = fields.String(metadata={"example": "05953@2025-07-01"})
    code = fields.String()
    name = fields.String()
    level = fields.String(metadata={"enum": ["province", "district", "commune"]})
    valid_from = fields.Date(allow_none=True)
    valid_to = fields.Date(allow_none=True)


class PeriodOut(Schema):
    label = fields.String(metadata={"example": "2025-07"})
    from_ = fields.Date(data_key="from")
    to = fields.Date()


class EstimateOut(Schema):
    n = fields.Integer(metadata={"description": "answers counted"})
    satisfied = fields.Integer(metadata={"description": "answers 4 or 5"})
    index = fields.Float(allow_none=True, metadata={"description": "% satisfied, 0-100"})
    ci_low = fields.Float(allow_none=True, metadata={"description": "Wilson 95% low, 0-100"})
    ci_high = fields.Float(allow_none=True, metadata={"description": "Wilson 95% high, 0-100"})
    small_sample = fields.Boolean(metadata={"description": "n below the threshold (30)"})


class NamedEstimateOut(EstimateOut):
    code = fields.String()
    name = fields.String()


class DimensionOut(Schema):
    code = fields.String()
    name = fields.String()
    index = fields.Float(allow_none=True)
    n = fields.Integer(metadata={"description": "answers to its best-answered criterion"})
    ci_low = fields.Float(
        allow_none=True,
        metadata={"description": "Wilson 95% bound on the dimension's effective n"},
    )
    ci_high = fields.Float(allow_none=True)
    small_sample = fields.Boolean(
        metadata={
            "description": "n below the small-sample threshold (THUOCDO_SCORING_SMALL_SAMPLE)"
        }
    )
    overall_weight = fields.Float(
        metadata={"description": "its share 0..1 of the overall index's weight"}
    )
    criteria = fields.List(fields.Nested(NamedEstimateOut))


class SipasOut(Schema):
    n = fields.Integer()
    overall = fields.Float(
        allow_none=True,
        metadata={
            "description": "mean of the dimension indices, each weight damped to n/threshold"
            " below the small-sample threshold"
        },
    )
    ci_low = fields.Float(
        allow_none=True,
        metadata={
            "description": "95% Wilson interval of the overall index, on the effective n"
            " of its dimensions (at most n)"
        },
    )
    ci_high = fields.Float(allow_none=True)
    small_sample = fields.Boolean(
        metadata={"description": "n below the threshold, or every dimension small"}
    )
    damped = fields.List(
        fields.String(),
        metadata={"description": "answered dimensions counted at less than their weight"},
    )
    dimensions = fields.List(fields.Nested(DimensionOut))


class ConsumerOut(Schema):
    seen_at = fields.DateTime(metadata={"description": "the consumer's last good poll (UTC)"})
    age_s = fields.Float(metadata={"description": "seconds since seen_at"})
    lag = fields.Integer(
        allow_none=True,
        metadata={
            "description": "records not yet counted at the heartbeat (null: unknown, or the"
            " heartbeat is over 30 s old and its lag no longer a measurement)"
        },
    )
    dead_lettered = fields.Integer(metadata={"description": "records sent to the DLQ in all"})


def _heartbeat_field() -> fields.Nested:
    return fields.Nested(
        ConsumerOut,
        allow_none=True,
        metadata={"description": "the consumer's heartbeat; null when none was ever written"},
    )


def _version_field() -> fields.Integer:
    return fields.Integer(
        metadata={
            "description": "the store's version the answer was read at: it grows with each"
            " batch counted; answers of one version come from the same counts"
        }
    )


class IndexOut(EstimateOut):
    unit = fields.Nested(UnitOut)
    period = fields.Nested(PeriodOut)
    filters = fields.Dict()
    as_of = fields.DateTime(allow_none=True)
    consumer = _heartbeat_field()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())
    mean = fields.Float(allow_none=True, metadata={"description": "mean score 1-5"})
    mean_100 = fields.Float(allow_none=True, metadata={"description": "(mean-1)/4*100"})
    suspect_excluded = fields.Integer()
    sipas = fields.Nested(SipasOut, allow_none=True)
    fields_ = fields.List(fields.Nested(NamedEstimateOut), data_key="fields")
    version = _version_field()


class RankedUnitOut(EstimateOut):
    unit = fields.Nested(UnitOut)
    shrunk = fields.Float(allow_none=True, metadata={"description": "EB posterior mean, 0-100"})
    rank = fields.Integer(
        allow_none=True, metadata={"description": "1 = best; null without a response"}
    )


class PriorOut(Schema):
    alpha = fields.Float()
    beta = fields.Float()


class UnitsOut(Schema):
    parent = fields.Nested(UnitOut)
    period = fields.Nested(PeriodOut)
    prior = fields.Nested(PriorOut)
    units = fields.List(fields.Nested(RankedUnitOut))
    consumer = _heartbeat_field()
    version = _version_field()


class IssueRowOut(NamedEstimateOut):
    count = fields.Integer(
        metadata={
            "description": "responses that raised it: ticked, or comment classified (any rating)"
        }
    )
    complaints = fields.Integer(
        metadata={"description": "of those, rated 1-3: the issue raised as a problem"}
    )
    share = fields.Float(
        allow_none=True,
        metadata={
            "description": "% of the unit's responses raising it as a problem (1-3);"
            " null without a response"
        },
    )


class IssuesOut(Schema):
    unit = fields.Nested(UnitOut)
    period = fields.Nested(PeriodOut)
    n = fields.Integer()
    issues = fields.List(fields.Nested(IssueRowOut))
    consumer = _heartbeat_field()
    version = _version_field()


class MatrixRowOut(Schema):
    unit = fields.Nested(UnitOut)
    n = fields.Integer()
    small_sample = fields.Boolean(
        metadata={"description": "1 to 29 responses (under the threshold): shares of few"}
    )
    shares = fields.List(
        fields.Float(allow_none=True),
        metadata={
            "description": "per issue (in `issues` order): % raising it as a problem (1-3);"
            " null without a response"
        },
    )


class CodeNameOut(Schema):
    code = fields.String()
    name = fields.String()


class MatrixOut(Schema):
    parent = fields.Nested(UnitOut)
    period = fields.Nested(PeriodOut)
    issues = fields.List(fields.Nested(CodeNameOut))
    rows = fields.List(fields.Nested(MatrixRowOut))
    consumer = _heartbeat_field()
    version = _version_field()


class UnitCountOut(UnitOut):
    n = fields.Integer(metadata={"description": "responses of the unit in the period"})


class GroupProfileOut(Schema):
    satisfaction_index = fields.Float(
        metadata={"description": "% rated 4-5 of the group's responses pooled"}
    )
    top_issues = fields.List(fields.String())
    shares = fields.Dict(
        keys=fields.String(),
        values=fields.Float(),
        metadata={"description": "issue -> % of the group's responses raising it (1-3)"},
    )


class GroupOut(Schema):
    id = fields.Integer()
    n = fields.Integer(metadata={"description": "responses of the group's communes"})
    units = fields.List(fields.Nested(UnitCountOut))
    profile = fields.Nested(GroupProfileOut)


class GroupsOut(Schema):
    parent = fields.Nested(UnitOut)
    period = fields.Nested(PeriodOut)
    groups = fields.List(fields.Nested(GroupOut))
    ungrouped = fields.List(
        fields.Nested(UnitCountOut),
        metadata={"description": "communes with fewer than small_sample responses"},
    )
    small_sample = fields.Integer()
    version = _version_field()


class ThemeOut(Schema):
    id = fields.String()
    tone = fields.String(
        metadata={
            "enum": ["complaint", "praise"],
            "description": "complaint: from responses rated 1-3; praise: rated 4-5",
        }
    )
    label = fields.String()
    top_terms = fields.List(fields.String())
    size = fields.Integer()
    examples = fields.List(fields.String())


class ThemesOut(Schema):
    unit = fields.Nested(UnitOut)
    period = fields.Nested(PeriodOut)
    themes = fields.List(fields.Nested(ThemeOut))
    version = _version_field()


class TrendPointOut(EstimateOut):
    period = fields.Nested(PeriodOut)


class TrendOut(Schema):
    unit = fields.Nested(UnitOut)
    granularity = fields.String()
    points = fields.List(fields.Nested(TrendPointOut))
    consumer = _heartbeat_field()
    version = _version_field()


class CommentOut(Schema):
    id = fields.String()
    submitted_at = fields.String()
    unit = fields.Nested(UnitOut)
    field = fields.String()
    overall = fields.Integer()
    issues = fields.List(fields.String())
    predicted_issue = fields.String(allow_none=True)
    comment = fields.String()


class CommentsOut(Schema):
    total = fields.Integer()
    purged_before = fields.String(
        allow_none=True,
        metadata={
            "description": "comments submitted before this time (UTC) were blanked by"
            " the retention rule (purge-comments); null: never purged"
        },
    )
    page = fields.Integer()
    per_page = fields.Integer()
    items = fields.List(fields.Nested(CommentOut))
    version = _version_field()
