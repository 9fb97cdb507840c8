# sockerless-plugin.m4 - autoconf support for out-of-tree Sockerless backends.
#
# SL_BACKEND_DIR([VARIABLE])
# --------------------------
# Checks for the sockerless-plugin pkg-config module (setting
# SOCKERLESS_CFLAGS) and sets VARIABLE (default: backenddir) to the
# directory sockerlessd loads backends from, rewritten relative to this
# package's ${libdir} so that `make install` under another prefix and
# `make distcheck` stay inside that prefix.  Use it in Makefile.am as
#   backend_LTLIBRARIES = mybackend.la
AC_DEFUN([SL_BACKEND_DIR], [
  AC_REQUIRE([PKG_PROG_PKG_CONFIG])
  PKG_CHECK_MODULES([SOCKERLESS], [sockerless-plugin])
  m4_pushdef([_sl_var], m4_default([$1], [backenddir]))
  _sl_var=`$PKG_CONFIG --define-variable=libdir='${libdir}' --variable=backenddir sockerless-plugin`
  AC_SUBST(_sl_var)
  m4_popdef([_sl_var])
])
