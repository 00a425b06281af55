"""No tables of its own: roles are Django groups (staff.roles), second factors are django-otp devices.

The module exists so that Django sends this app post_migrate (it skips apps without models), which
keeps the role groups in step after every migrate and test flush (staff.apps).
"""
