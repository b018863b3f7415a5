"""improvement"""
