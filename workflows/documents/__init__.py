"""Documented information (7.5, 5.2.2): the controlled-document lifecycle, what a document says about
itself, the document pages, controlled copies in Word and PDF, and the form-driven records the guideline asks
to keep (training, competence, communication, risks, providers, budgets …) with their charts."""
