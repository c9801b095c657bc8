"""FAQ matching: load a community's FAQ file and decide whether a chat message asks one of it.

The core promise is *precision first*: a wrong answer in a chat is worse than silence, so the
matcher only answers question-like messages and only when the match is specific.
"""
