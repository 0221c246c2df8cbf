# Sanitizer flags for host code.
#   LV_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer everywhere.
#   LV_FUZZ:     the same, plus libFuzzer coverage instrumentation (-fsanitize=fuzzer-no-link) on
#                every target, so the fuzz binaries see edges inside the library, not only in the
#                fuzz target itself.  Needs clang.
function(lv_set_sanitizers target)
  if(LV_SANITIZE OR LV_FUZZ)
    set(san address,undefined)
    if(LV_FUZZ)
      set(san fuzzer-no-link,address,undefined)
    endif()
    target_compile_options(${target} PRIVATE
      $<$<COMPILE_LANGUAGE:C,CXX>:-fsanitize=${san} -fno-sanitize-recover=all
      -fno-omit-frame-pointer>)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()
