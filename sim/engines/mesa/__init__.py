"""engines/mesa"""
