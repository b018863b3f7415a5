"""Internal audit (9.2): the programme and each audit's plan, the checklist over every auditable clause and its
findings, the report, the evidence map that says for every clause item where its evidence lives and whether it
is current, and the readiness page built on that map."""
