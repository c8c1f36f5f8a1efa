"""The labelled policy corpus (issue 16): consultations in Japanese and English, written for
caselog, with the outcome and the rule or conduct category the guideline calls for."""
