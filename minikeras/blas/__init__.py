"""What minikeras asks of the BLAS library NumPy loaded, beyond NumPy: OpenBLAS's ``saxpby``
(``openblas.py``) and stopping its idle threads (``threads.py``). Nothing here is loaded until
first used, and everything falls back to plain NumPy without OpenBLAS."""
