"""Monte Carlo experiments: from an experiment's definition to its result directory.

* :mod:`~sim.experiments.spec` - what defines an experiment's numbers
* :mod:`~sim.experiments.sampling` - seeds and parameter draws (the reproducibility contract)
* :mod:`~sim.experiments.pipeline` - the one pipeline of every chunked run (experiments and
  explorations): chunks, executors, the store, ``--resume``, Ctrl-C, the result directory
* :mod:`~sim.experiments.chunks` - one chunk of one policy of an experiment, and their
  streaming aggregate
* :mod:`~sim.experiments.histogram` - exact per-day histograms, merged chunk by chunk
* :mod:`~sim.experiments.executors` - in-process, local processes, Dask
* :mod:`~sim.experiments.lifeline` - local workers end with the main process
* :mod:`~sim.experiments.budget` - a run's estimated time and memory, and the size limits
* :mod:`~sim.experiments.store` - atomic chunk files, the output directory, failed writes
* :mod:`~sim.experiments.lock` - one writer per result folder
* :mod:`~sim.experiments.outdir` - the result directory written in one go (replay, branch,
  calibrate, sensitivity, validate)
* :mod:`~sim.experiments.provenance` - the manifest
* :mod:`~sim.experiments.experiment` - running an experiment
"""
