"""The weekly situational picture (lägesbild) of EST: computed live, frozen when approved."""
