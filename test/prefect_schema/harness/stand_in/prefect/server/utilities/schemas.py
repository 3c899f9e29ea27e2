"""Stand-in: PrefectBaseModel, subclassed by the initial migration's DataDocument stub."""


class PrefectBaseModel:
    pass
